// The SMSC's delayed work (answer latency, receipt delays, retries, MO part intervals): timers cleared at shutdown.
import { Injectable, Logger } from '@nestjs/common';

@Injectable()
export class SmscTimers {
  private readonly logger = new Logger(SmscTimers.name);
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Runs the task after `ms`, or right now when there is no latency (as the simulator always did). */
  afterLatency(ms: number, task: () => void): void {
    if (ms > 0) this.later(ms, task);
    else task();
  }

  /** A timer cleared at shutdown, so no callback runs against a closed server. */
  later(ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        task();
      } catch (error: unknown) {
        this.logger.error({ err: error }, 'SMSC timer task failed');
      }
    }, ms);
    this.timers.add(timer);
  }

  /** Cancels every task still waiting. */
  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
