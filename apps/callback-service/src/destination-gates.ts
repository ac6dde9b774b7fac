// Per-destination concurrency and circuit breaking, so one slow or dead endpoint takes only its own share.

export interface GateOptions {
  /** Requests in flight to one destination at most. */
  readonly concurrency: number;
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long an open circuit stays open before a single probe is let through. */
  readonly cooldownMs: number;
  readonly now?: () => number;
}

/** `send`: make the request. `reject`: the circuit is open; record a failed attempt without sending. */
export type Admission = 'send' | 'reject';

/** How an attempt ended, as the breaker sees it: a failure is a sign the endpoint is unwell. */
export type GateOutcome = 'success' | 'failure' | 'neutral';

interface Gate {
  /** Admitted and not yet released: sending, or waiting for a turn. */
  inFlight: number;
  /** Requests being made now, at most `concurrency`. */
  sending: number;
  /** Admitted requests waiting for a turn, first come first served. */
  waiting: Array<() => void>;
  failures: number;
  /** Null while closed; the time the circuit may be probed while open. */
  openUntil: number | null;
  probing: boolean;
}

export class DestinationGates {
  private readonly gates = new Map<string, Gate>();
  private readonly now: () => number;

  constructor(private readonly options: GateOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * What a claim may take now: destinations with no room at all, and those with less room
   * than a fresh one (`concurrency × depth`). An open circuit is given room so its due
   * callbacks are failed fast instead of waiting; a circuit past its cooldown is given room
   * for its one probe. With `depth` above 1 a destination that has not failed lately may take
   * `depth` times its concurrency: the requests beyond it wait for a connection in turn.
   */
  allowances(depth = 1): { excluded: string[]; limited: Map<string, number> } {
    const excluded: string[] = [];
    const limited = new Map<string, number>();
    const now = this.now();
    const full = this.options.concurrency * depth;
    for (const [destination, gate] of this.gates) {
      let room: number;
      if (gate.openUntil === null) room = (gate.failures === 0 ? full : this.options.concurrency) - gate.inFlight;
      else if (gate.openUntil > now) room = this.options.concurrency;
      else room = gate.probing ? 0 : 1;
      if (room <= 0) excluded.push(destination);
      else if (room < full) limited.set(destination, room);
    }
    return { excluded, limited };
  }

  /** Called for each claimed callback before it is sent. */
  admit(destination: string): Admission {
    const gate = this.gate(destination);
    if (gate.openUntil !== null) {
      if (gate.openUntil > this.now() || gate.probing) return 'reject';
      gate.probing = true;
    }
    gate.inFlight += 1;
    return 'send';
  }

  /**
   * Resolves when an admitted callback may make its request: at most `concurrency` requests
   * to a destination at once, the others wait in the order they were admitted.
   */
  turn(destination: string): Promise<void> {
    const gate = this.gate(destination);
    if (gate.sending < this.options.concurrency) {
      gate.sending += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => gate.waiting.push(resolve));
  }

  /** Called once for each admitted callback when its attempt has ended; true when this opened the circuit. */
  release(destination: string, outcome: GateOutcome, sent = true): boolean {
    const gate = this.gate(destination);
    gate.inFlight = Math.max(0, gate.inFlight - 1);
    if (sent) {
      const next = gate.waiting.shift();
      if (next) next();
      else gate.sending = Math.max(0, gate.sending - 1);
    }
    const wasProbe = gate.probing;
    if (wasProbe) gate.probing = false;
    let opened = false;
    if (outcome === 'failure') {
      gate.failures += 1;
      if (wasProbe || (gate.openUntil === null && gate.failures >= this.options.failureThreshold)) {
        opened = gate.openUntil === null;
        gate.openUntil = this.now() + this.options.cooldownMs;
      }
    } else if (outcome === 'success' || wasProbe) {
      gate.failures = 0;
      gate.openUntil = null;
    }
    this.forgetIfIdle(destination, gate);
    return opened;
  }

  /** Open and still cooling down: no request goes there now (a probe comes only after the cooldown). */
  shut(destination: string): boolean {
    const gate = this.gates.get(destination);
    return gate !== undefined && gate.openUntil !== null && gate.openUntil > this.now();
  }

  isOpen(destination: string): boolean {
    const gate = this.gates.get(destination);
    return gate !== undefined && gate.openUntil !== null;
  }

  openCount(): number {
    let open = 0;
    for (const gate of this.gates.values()) if (gate.openUntil !== null) open += 1;
    return open;
  }

  private gate(destination: string): Gate {
    let gate = this.gates.get(destination);
    if (!gate) {
      gate = { inFlight: 0, sending: 0, waiting: [], failures: 0, openUntil: null, probing: false };
      this.gates.set(destination, gate);
    }
    return gate;
  }

  /** A healthy idle destination needs no memory; the map grows only with destinations in trouble or in use. */
  private forgetIfIdle(destination: string, gate: Gate): void {
    if (gate.inFlight === 0 && gate.sending === 0 && gate.failures === 0 && gate.openUntil === null) this.gates.delete(destination);
  }
}
