// Prometheus metrics of the simulated carrier, on the app's registry (served at /metrics).
import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@sluice/observability';
import type { Counter, Gauge } from 'prom-client';

@Injectable()
export class SimulatorMetrics {
  readonly submissions: Counter<'carrier'>;
  readonly receipts: Counter<'status'>;
  readonly bindsActive: Gauge<'mode'>;

  constructor(metrics: MetricsRegistry) {
    this.submissions = metrics.counter('simulator_submissions_total', 'submit_sm accepted, by destination carrier', ['carrier']);
    this.receipts = metrics.counter('simulator_receipts_total', 'Delivery receipts (deliver_sm) written, by stat', ['status']);
    this.bindsActive = metrics.gauge('simulator_binds_active', 'SMPP sessions currently bound, by bind mode', ['mode']);
  }
}
