// Prometheus metrics of the simulated carrier, on the app's registry (served at /metrics).
import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@sluice/observability';
import type { Counter, Gauge } from 'prom-client';

@Injectable()
export class SimulatorMetrics {
  readonly submissions: Counter<'carrier'>;
  readonly throttled: Counter<'carrier' | 'per'>;
  readonly errors: Counter<'carrier' | 'status'>;
  readonly receipts: Counter<'status'>;
  readonly mobileOriginated: Counter;
  readonly bindsActive: Gauge<'mode'>;
  readonly bindsDropped: Counter;

  constructor(metrics: MetricsRegistry) {
    this.submissions = metrics.counter('simulator_submissions_total', 'submit_sm accepted, by destination carrier', ['carrier']);
    this.throttled = metrics.counter(
      'simulator_throttled_total',
      "submit_sm answered ESME_RTHROTTLED by the carrier's throughput policing, by carrier and window scope",
      ['carrier', 'per'],
    );
    this.errors = metrics.counter(
      'simulator_errors_total',
      'submit_sm answered with an error of the error mix (or NO_RESPONSE: not answered), by carrier and status',
      ['carrier', 'status'],
    );
    this.receipts = metrics.counter('simulator_receipts_total', 'Delivery receipts (deliver_sm) written, by stat', ['status']);
    this.mobileOriginated = metrics.counter('simulator_mo_total', 'Mobile-originated deliver_sm written (retries included)');
    this.bindsActive = metrics.gauge('simulator_binds_active', 'SMPP sessions currently bound, by bind mode', ['mode']);
    this.bindsDropped = metrics.counter('simulator_binds_dropped_total', 'SMPP connections closed by POST /simulator/binds/drop');
  }
}
