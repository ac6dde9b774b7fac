// A background task run every interval, never two runs at once, stopped with the app.
import type { Logger } from '@nestjs/common';

export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  /**
   * `what` names the task in the warning logged when a run fails (the next interval tries
   * again). An interval of 0 never runs it.
   */
  constructor(
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly run: () => Promise<unknown>,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  start(): void {
    if (this.intervalMs === 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.run()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn({ err: error }, `${this.what} failed; retrying next interval`))
        .finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** No new run starts; resolves once the run under way (if any) has finished. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
