// One Prometheus registry per app, with process metrics and the service label.
import { Inject, Injectable } from '@nestjs/common';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OBSERVABILITY_OPTIONS, ObservabilityOptions } from './observability.options';

/**
 * How often the event-loop lag (`sluice_nodejs_eventloop_lag_*`) is sampled. Each sample is a
 * timer that wakes the process: prom-client's default, 10 ms, wakes every idle process about
 * 200 times a second; 100 ms cost each app about 0.1 % of a core while idle. At 250 ms a stall
 * longer than 250 ms is still measured exactly, and a shorter one is caught in proportion to
 * its length.
 */
const EVENT_LOOP_SAMPLE_MS = 250;
/**
 * prom-client's own delay histogram, behind the statistics replaced below: its timer wakes
 * the process too, so it samples once a second. Of what it reports only the standard
 * deviation is left, which the sampling interval does not shift.
 */
const PROM_CLIENT_SAMPLE_MS = 1_000;
/** The lag statistics, each as `sluice_nodejs_eventloop_lag_<name>_seconds`, and the percentile it reads (none: a statistic of its own). */
const LAG_STATISTICS = [['min'], ['max'], ['mean'], ['p50', 50], ['p90', 90], ['p99', 99]] as const;

/**
 * Node's event-loop delay histogram records the time between its timer's turns, so every
 * value includes the sampling interval (an idle process shows 100 ms). prom-client reports
 * them as they are; these report the delay beyond the interval, the lag itself.
 */
function replaceLagStatistics(registry: Registry): void {
  const delays = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
  delays.enable();
  const lagSeconds = (ns: number) => Math.max(0, ns / 1e9 - EVENT_LOOP_SAMPLE_MS / 1e3);
  for (const [name, percentile] of LAG_STATISTICS) {
    const metric = `sluice_nodejs_eventloop_lag_${name}_seconds`;
    registry.removeSingleMetric(metric);
    new Gauge({
      name: metric,
      help: `The ${percentile === undefined ? name : `${percentile}th percentile of the`} event-loop lag since the last scrape, in seconds (beyond the ${EVENT_LOOP_SAMPLE_MS} ms sampling interval).`,
      registers: [registry],
      collect(this: Gauge) {
        const ns = percentile === undefined ? delays[name] : delays.percentile(percentile);
        // No turn recorded since the last scrape: nothing waited.
        this.set(delays.count === 0 ? 0 : lagSeconds(ns));
      },
    });
  }
  // Read last (registration order is collection order): the next scrape sees only what came after this one.
  new Gauge({
    name: 'sluice_nodejs_eventloop_lag_samples',
    help: 'Event-loop turns the lag statistics of the last scrape were read from.',
    registers: [registry],
    collect(this: Gauge) {
      this.set(delays.count);
      delays.reset();
    },
  });
}

@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(@Inject(OBSERVABILITY_OPTIONS) options: ObservabilityOptions) {
    this.registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: this.registry, prefix: 'sluice_', eventLoopMonitoringPrecision: PROM_CLIENT_SAMPLE_MS });
    replaceLagStatistics(this.registry);
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
