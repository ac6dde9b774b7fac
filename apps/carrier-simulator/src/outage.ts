// A simulated SMSC outage: while it lasts the carrier is gone (no session stays bound, every bind is refused).

export interface OutageState {
  readonly active: boolean;
  /** Epoch ms the outage ends by itself; null when none is in force. */
  readonly until: number | null;
}

export class Outage {
  private until: number | null = null;

  /** Starts an outage of `seconds` from `now`, replacing one in force. */
  start(seconds: number, now: number): void {
    this.until = now + Math.round(seconds * 1_000);
  }

  end(): void {
    this.until = null;
  }

  active(now: number): boolean {
    return this.until !== null && now < this.until;
  }

  state(now: number): OutageState {
    const active = this.active(now);
    return { active, until: active ? this.until : null };
  }
}
