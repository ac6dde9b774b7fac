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
