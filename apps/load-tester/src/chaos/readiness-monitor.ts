// Polls every app's /health/ready while the faults run and keeps each change of readiness.
import type { AppProcess } from '../platform/launcher';
import type { ReadinessChange } from './recovery';

/** Longer than a Kubernetes probe's default second: a busy shared machine should not read as an app down. */
const POLL_TIMEOUT_MS = 2_000;

async function isReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(POLL_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

export class ReadinessMonitor {
  readonly changes: ReadinessChange[] = [];
  private readonly last = new Map<string, boolean>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;

  /** `apps` is asked on every poll: a restarted app replaces the one that was killed. */
  constructor(
    private readonly apps: () => readonly AppProcess[],
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
  }

  /** Every app known to be ready at the last poll. */
  allReady(): boolean {
    return this.apps().every((app) => this.last.get(app.name) === true);
  }

  private poll(): Promise<void> {
    this.polling ??= Promise.all(
      this.apps().map(async (app) => {
        const ready = await isReady(app.port);
        if (this.last.get(app.name) === ready) return;
        this.last.set(app.name, ready);
        this.changes.push({ t: Date.now(), app: app.name, ready });
      }),
    ).then(() => {
      this.polling = null;
    });
    return this.polling;
  }
}
