// One Prometheus registry per app, with process metrics and the service label.
import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OBSERVABILITY_OPTIONS, ObservabilityOptions } from './observability.options';

/**
 * How often the event-loop lag (`sluice_nodejs_eventloop_lag_*`) is sampled. prom-client's
 * default, 10 ms, wakes every idle process about 200 times a second. At 100 ms it wakes it
 * 20 times, and a stall longer than 100 ms is still measured exactly.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(@Inject(OBSERVABILITY_OPTIONS) options: ObservabilityOptions) {
    this.registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: this.registry, prefix: 'sluice_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name: `sluice_${name}`, help, labelNames, registers: [this.registry] });
  }

  /** `collect` runs on every scrape, for values read from elsewhere (Redis, a queue). */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = [], collect?: (gauge: Gauge<L>) => Promise<void>): Gauge<L> {
    return new Gauge({
      name: `sluice_${name}`,
      help,
      labelNames,
      registers: [this.registry],
      ...(collect ? { collect(this: Gauge<L>) { return collect(this); } } : {}),
    });
  }

  histogram<L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name: `sluice_${name}`, help, buckets, labelNames, registers: [this.registry] });
  }
}
