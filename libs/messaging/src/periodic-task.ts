// A background task run every interval, never two runs at once, supervised, stopped with the app.
import type { Supervisor, SupervisedLoop } from '@sluice/observability';

export class PeriodicTask {
  private loop: SupervisedLoop | null = null;

  /**
   * `name` labels the task in logs, `/health/ready` (`loop:<name>`) and `sluice_loop_up`. A
   * failed run is tried again after a back-off (1 s doubling to 30 s) rather than a whole
   * interval; failing for long, the app reports not ready and finally exits (see Supervisor).
   * An interval of 0 never runs it.
   */
  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly run: () => Promise<unknown>,
    private readonly supervisor: Supervisor,
  ) {}

  start(): void {
    if (this.intervalMs === 0 || this.loop) return;
    this.loop = this.supervisor.loop(this.name, this.run, { everyMs: this.intervalMs });
    this.loop.start();
  }

  /** No new run starts; resolves once the run under way (if any) has finished. */
  async stop(): Promise<void> {
    await this.loop?.stop();
  }
}
