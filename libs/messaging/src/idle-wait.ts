// A loop's wait for work: a timeout, cut short by a wake-up, and a wake-up that came while the
// loop was busy is not lost (the next wait returns at once).

export class IdleWait {
  private woken = false;
  private interrupt: (() => void) | null = null;

  /** Work may be there: ends the wait under way, or the next one. */
  wake(): void {
    this.woken = true;
    this.interrupt?.();
  }

  /** Called when the loop starts looking for work: wake-ups before this are answered by that look. */
  looking(): void {
    this.woken = false;
  }

  /** Waits `ms` or until a wake-up, whichever comes first; returns at once after an unanswered wake-up. */
  async wait(ms: number): Promise<void> {
    if (this.woken || ms <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.interrupt = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.interrupt = null;
  }
}

/**
 * How long a polling loop waits after a look that found nothing: `minMs` at first, doubling
 * with each empty look up to `maxMs`, so that an idle loop costs next to nothing. It never
 * waits past a moment the loop knows work falls due (`dueAt`).
 */
export class IdleBackoff {
  private nextMs: number;
  private dueAt = Infinity;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.nextMs = minMs;
  }

  /** A look found work, or work was announced: the next empty look waits `minMs` again. */
  busy(): void {
    this.nextMs = this.minMs;
  }

  /** Work falls due at `at` (epoch ms): no wait runs past it. */
  due(at: number): void {
    this.dueAt = Math.min(this.dueAt, at);
  }

  /** The wait after an empty look at `now`; the one after it is twice as long, up to `maxMs`. */
  next(now: number): number {
    if (this.dueAt <= now) this.dueAt = Infinity;
    const wait = Math.min(this.nextMs, Math.max(0, this.dueAt - now));
    this.nextMs = Math.min(this.maxMs, this.nextMs * 2);
    return wait;
  }
}
