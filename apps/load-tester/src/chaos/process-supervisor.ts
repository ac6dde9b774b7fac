// Stands in for Kubernetes' restart policy during a fault-injection run: an app that exits by
// itself (a consumer that could not recover within its bound exits non-zero on purpose) is
// started again a second later. Processes a fault kills are left to the fault.
import type { AppProcess, StartedPlatform } from '../platform/launcher';

export interface SupervisorRestart {
  /** Epoch ms the process exited. */
  readonly t: number;
  readonly app: string;
  readonly code: number | null;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class ProcessSupervisor {
  readonly restarts: SupervisorRestart[] = [];
  private readonly held = new Set<string>();
  private stopped = false;

  constructor(
    private readonly platform: StartedPlatform,
    /** Names of the apps to supervise (the carrier-simulator is the witness: never restarted). */
    private readonly supervised: ReadonlySet<string>,
    private readonly follow: (name: string, pid: number) => void,
    private readonly log: (line: string) => void,
    private readonly delayMs = 1_000,
  ) {}

  start(): void {
    for (const app of this.platform.apps) this.watch(app);
  }

  /** From now on exits are the harness's own (the end of the run). */
  stop(): void {
    this.stopped = true;
  }

  /** Runs a fault that kills and restarts `names` itself, and watches what it started. */
  async hold<T>(names: readonly string[], task: () => Promise<T>): Promise<T> {
    for (const name of names) this.held.add(name);
    try {
      return await task();
    } finally {
      for (const name of names) {
        this.held.delete(name);
        const app = this.platform.apps.find((a) => a.name === name);
        if (app) this.watch(app);
      }
    }
  }

  private watch(app: AppProcess): void {
    if (!this.supervised.has(app.app)) return;
    void app.exited.then(async (code) => {
      if (this.stopped || this.held.has(app.name) || !this.platform.apps.includes(app)) return;
      this.restarts.push({ t: Date.now(), app: app.name, code });
      this.log(`${app.name} exited with code ${code}; started again in ${this.delayMs / 1_000} s, as a supervisor would`);
      await sleep(this.delayMs);
      if (this.stopped || this.held.has(app.name)) return;
      const started = this.platform.restart(app.name);
      if (started.process.pid !== undefined) this.follow(started.name, started.process.pid);
      this.watch(started);
    });
  }
}
