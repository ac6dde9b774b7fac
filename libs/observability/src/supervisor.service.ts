// Watches an app's Kafka consumers and long-running loops: each failing one is retried with
// back-off, shows as down in readiness and metrics, and one that stays down past its bound
// makes the process exit so its supervisor (Kubernetes, compose, systemd) starts it afresh.
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { BackoffPolicy, DEFAULT_BACKOFF, backoffDelayMs } from './backoff';
import { MetricsRegistry } from './metrics.registry';
import { ReadinessRegistry } from './readiness.registry';

/** EX_SOFTWARE: tells a supervisor exit apart from a crash or a configuration error (78). */
export const SUPERVISOR_EXIT_CODE = 70;

/** A failing unit reports down once its failures have lasted this long, so one failed pass does not flip readiness. */
export const DEFAULT_DOWN_AFTER_MS = 10_000;

const WATCH_INTERVAL_MS = 1_000;

export interface SupervisionOptions {
  /** A consumer down (out of its group, or failing with no progress) this long makes the process exit; 0 never. */
  readonly consumerMaxDownMs: number;
  /** The same bound for a loop (dispatch claims, callback claims, sweeps, retention). */
  readonly loopMaxDownMs: number;
  readonly downAfterMs?: number;
}

export const DEFAULT_SUPERVISION: SupervisionOptions = { consumerMaxDownMs: 120_000, loopMaxDownMs: 120_000 };

/** What a test replaces: the clock, the exit, the jitter and the log. */
export interface SupervisorHooks {
  readonly now?: () => number;
  readonly exit?: (code: number) => void;
  readonly random?: () => number;
  readonly logger?: Pick<Logger, 'log' | 'warn' | 'error' | 'fatal'>;
}

/** The handle a consumer or loop reports its fortunes through. */
export interface SupervisedUnit {
  readonly name: string;
  /** Useful work was done (a pass, a handled batch, a fetch that found nothing to do): any failure streak ends. */
  progressed(): void;
  /** One more failure in the streak; returns how long to wait before the next attempt. */
  failed(error: unknown): number;
  /** The unit is not working at all (a consumer out of its group) until `resumed`; it reports down at once. */
  out(reason: string): void;
  resumed(): void;
  /** Counts a restart (consumers). */
  restarted(): void;
  /** A graceful stop: no longer watched. */
  stopped(): void;
  /** Down now, and why; `null` when up. */
  downReason(): string | null;
}

type UnitKind = 'consumer' | 'loop';

interface UnitStatus {
  readonly down: boolean;
  /** Start of the trouble the unit is down for: the process exits once it is older than the unit's bound. */
  readonly since: number | null;
  readonly reason: string;
}

@Injectable()
export class Supervisor implements BeforeApplicationShutdown {
  private readonly units: Unit[] = [];
  private readonly consumerRestarts;
  private readonly loopFailures;
  private readonly options: Required<SupervisionOptions>;
  private readonly logger: Pick<Logger, 'log' | 'warn' | 'error' | 'fatal'>;
  readonly now: () => number;
  readonly random: () => number;
  private readonly exit: (code: number) => void;
  private watchTimer: NodeJS.Timeout | null = null;
  private exiting = false;

  constructor(
    private readonly readiness: ReadinessRegistry,
    metrics: MetricsRegistry,
    options: SupervisionOptions = DEFAULT_SUPERVISION,
    hooks: SupervisorHooks = {},
  ) {
    this.options = { downAfterMs: DEFAULT_DOWN_AFTER_MS, ...options };
    this.now = hooks.now ?? Date.now;
    this.random = hooks.random ?? Math.random;
    this.exit = hooks.exit ?? ((code) => process.exit(code));
    this.logger = hooks.logger ?? new Logger(Supervisor.name);
    metrics.gauge('consumer_up', 'Kafka consumers in their group and making progress (1), or down (0)', ['topic', 'group'], async (gauge) => {
      for (const unit of this.units) if (unit.kind === 'consumer') gauge.set(unit.labels as Record<'topic' | 'group', string>, unit.status(this.now()).down ? 0 : 1);
    });
    metrics.gauge('loop_up', 'Long-running loops working (1), or failing for longer than the grace period (0)', ['loop'], async (gauge) => {
      for (const unit of this.units) if (unit.kind === 'loop') gauge.set(unit.labels as Record<'loop', string>, unit.status(this.now()).down ? 0 : 1);
    });
    this.consumerRestarts = metrics.counter('consumer_restarts_total', 'Restarts of a Kafka consumer after it crashed, stopped or stalled', ['topic', 'group']);
    this.loopFailures = metrics.counter('loop_failures_total', 'Failed passes of long-running loops', ['loop']);
  }

  /** A Kafka consumer: reports down while out of its group, and when failing with no progress. */
  watchConsumer(topic: string, group: string, backoff: BackoffPolicy = DEFAULT_BACKOFF): SupervisedUnit {
    this.consumerRestarts.inc({ topic, group }, 0);
    return this.add(new Unit(this.unitEnv, 'consumer', `consumer ${topic} (group ${group})`, { topic, group }, this.options.consumerMaxDownMs, backoff), `consumer:${group}/${topic}`);
  }

  /** A loop whose passes may fail; `name` labels its metrics. */
  watchLoop(name: string, backoff: BackoffPolicy = DEFAULT_BACKOFF): SupervisedUnit {
    this.loopFailures.inc({ loop: name }, 0);
    return this.add(new Unit(this.unitEnv, 'loop', `loop ${name}`, { loop: name }, this.options.loopMaxDownMs, backoff), `loop:${name}`);
  }

  /** Runs `pass` over and over under supervision (see SupervisedLoop); call `start()` on the result. */
  loop(name: string, pass: () => Promise<unknown>, options: LoopOptions = {}): SupervisedLoop {
    return new SupervisedLoop(this.watchLoop(name, options.backoff), pass, options.everyMs ?? 0);
  }

  beforeApplicationShutdown(): void {
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = null;
  }

  /** Logs each unit going down or coming back, and exits once one has been down past its bound. */
  check(): void {
    if (this.readiness.isShuttingDown() || this.exiting) return;
    const now = this.now();
    for (const unit of this.units) {
      const status = unit.status(now);
      // A consumer joining its group, or restarting quickly, is down for a moment: only a longer spell is worth an error line.
      if (status.down && !unit.reportedDown && status.since !== null && now - status.since >= this.options.downAfterMs) {
        unit.reportedDown = true;
        this.logger.error({ unit: unit.name, reason: status.reason }, `${unit.name} is down: ${status.reason}`);
      } else if (!status.down && unit.reportedDown) {
        unit.reportedDown = false;
        this.logger.log({ unit: unit.name }, `${unit.name} is working again`);
      }
      if (status.since !== null && unit.maxDownMs > 0 && now - status.since >= unit.maxDownMs) {
        this.exiting = true;
        this.logger.fatal(
          { unit: unit.name, reason: status.reason, downForMs: now - status.since, exitCode: SUPERVISOR_EXIT_CODE },
          `${unit.name} has not recovered within ${unit.maxDownMs} ms (${status.reason}); exiting so the process is restarted`,
        );
        this.exit(SUPERVISOR_EXIT_CODE);
        return;
      }
    }
  }

  private readonly unitEnv: UnitEnv = {
    now: () => this.now(),
    random: () => this.random(),
    downAfterMs: () => this.options.downAfterMs,
    onFailure: (unit, error, attempt, retryInMs) => {
      if (unit.kind === 'loop') this.loopFailures.inc(unit.labels as Record<'loop', string>);
      this.logger.warn({ err: error, unit: unit.name, attempt, retryInMs }, `${unit.name} failed; retrying in ${retryInMs} ms`);
    },
    onRestart: (unit) => {
      if (unit.kind === 'consumer') this.consumerRestarts.inc(unit.labels as Record<'topic' | 'group', string>);
    },
  };

  private add(unit: Unit, readinessName: string): Unit {
    this.units.push(unit);
    this.readiness.register(readinessName, async () => {
      const reason = unit.downReason();
      if (reason !== null) throw new Error(reason);
    });
    if (!this.watchTimer) {
      this.watchTimer = setInterval(() => this.check(), WATCH_INTERVAL_MS);
      this.watchTimer.unref();
    }
    return unit;
  }
}

interface UnitEnv {
  now(): number;
  random(): number;
  downAfterMs(): number;
  onFailure(unit: Unit, error: unknown, attempt: number, retryInMs: number): void;
  onRestart(unit: Unit): void;
}

class Unit implements SupervisedUnit {
  reportedDown = false;
  private outSince: number | null = null;
  private outReason = '';
  private failingSince: number | null = null;
  private failures = 0;
  private lastError = '';
  private isStopped = false;

  constructor(
    private readonly env: UnitEnv,
    readonly kind: UnitKind,
    readonly name: string,
    readonly labels: Readonly<Record<string, string>>,
    readonly maxDownMs: number,
    private readonly backoff: BackoffPolicy,
  ) {}

  progressed(): void {
    this.failingSince = null;
    this.failures = 0;
  }

  failed(error: unknown): number {
    this.failingSince ??= this.env.now();
    this.failures += 1;
    this.lastError = describe(error);
    const delay = backoffDelayMs(this.failures, this.backoff, () => this.env.random());
    this.env.onFailure(this, error, this.failures, delay);
    return delay;
  }

  out(reason: string): void {
    this.outSince ??= this.env.now();
    this.outReason = reason;
  }

  resumed(): void {
    this.outSince = null;
  }

  restarted(): void {
    this.env.onRestart(this);
  }

  stopped(): void {
    this.isStopped = true;
  }

  downReason(): string | null {
    const status = this.status(this.env.now());
    return status.down ? status.reason : null;
  }

  status(now: number): UnitStatus {
    if (this.isStopped) return { down: false, since: null, reason: '' };
    const failing = this.failingSince !== null ? `failing for ${seconds(now - this.failingSince)} (${this.failures} in a row, last: ${this.lastError})` : '';
    if (this.outSince !== null) {
      const since = Math.min(this.outSince, this.failingSince ?? this.outSince);
      return { down: true, since, reason: `${this.outReason} for ${seconds(now - this.outSince)}${failing ? `; ${failing}` : ''}` };
    }
    if (this.failingSince !== null) {
      return { down: now - this.failingSince >= this.env.downAfterMs(), since: this.failingSince, reason: failing };
    }
    return { down: false, since: null, reason: '' };
  }
}

export interface LoopOptions {
  /** Pause after a pass that succeeded, and before the first; 0 (the default) runs passes back to back, the pass doing its own waiting. */
  readonly everyMs?: number;
  /** Waits after failed passes; 1 s doubling to 30 s by default. */
  readonly backoff?: BackoffPolicy;
}

/**
 * A pass that throws is tried again after the unit's back-off instead of ending the loop;
 * the failure streak shows in readiness, `sluice_loop_up` and, past the bound, as an exit.
 */
export class SupervisedLoop {
  private running = false;
  private done: Promise<void> | null = null;
  private interrupt: (() => void) | null = null;

  constructor(
    private readonly unit: SupervisedUnit,
    private readonly pass: () => Promise<unknown>,
    private readonly everyMs: number,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.run();
  }

  /** No new pass starts; resolves once the pass under way (if any) has finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.interrupt?.();
    await this.done;
    this.unit.stopped();
  }

  private async run(): Promise<void> {
    if (this.everyMs > 0) await this.pause(this.everyMs);
    while (this.running) {
      let wait = this.everyMs;
      try {
        await this.pass();
        this.unit.progressed();
      } catch (error: unknown) {
        if (!this.running) return;
        wait = this.unit.failed(error);
      }
      if (wait > 0) await this.pause(wait);
    }
  }

  private pause(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.interrupt = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      timer.unref();
      this.interrupt = finish;
    });
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
