// Per-destination concurrency and circuit breaking, so one slow or dead endpoint takes only its own share.

export interface GateOptions {
  /** Requests in flight to one destination at first, and at least. */
  readonly concurrency: number;
  /**
   * The most a destination's limit grows to (default `concurrency`: a fixed limit). It grows by
   * one per limit's worth of requests that found the destination full and were answered
   * successfully, fast (`FAST_ANSWER_MS`) and near its best time; each failure halves it.
   */
  readonly maxConcurrency?: number;
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

/** An answer slower than this never raises a destination's limit: a slow endpoint keeps its first share. */
export const FAST_ANSWER_MS = 250;
/** An answer within this much of twice the destination's best time counts as near it. */
const NEAR_BEST_SLACK_MS = 20;
/** A gate that learnt a higher limit is forgotten after this long unused. */
const FORGET_AFTER_MS = 60_000;
/** The weight of each answer in a destination's typical answer time. */
const TYPICAL_WEIGHT = 1 / 16;
/** The most one destination is given for a hold (`allowances`). */
export const MAX_HELD_ROOM = 4_096;

interface Gate {
  /** Requests that may be made at once now: between `concurrency` and `maxConcurrency`, fractional while it grows. */
  limit: number;
  /** The destination's best recent answer time (ms), drifting up slowly while answers are slower. */
  bestMs: number | null;
  /** Its typical answer time (ms): a moving average of its successful answers. */
  typicalMs: number | null;
  lastUsed: number;
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

  private readonly maxConcurrency: number;

  constructor(private readonly options: GateOptions) {
    this.now = options.now ?? Date.now;
    this.maxConcurrency = Math.max(options.concurrency, options.maxConcurrency ?? options.concurrency);
  }

  /** Requests one destination may have in flight now. */
  limit(destination: string): number {
    return Math.floor(this.gates.get(destination)?.limit ?? this.options.concurrency);
  }

  /**
   * What a claim may take now: destinations with no room at all, and those whose room differs
   * from a fresh one's (`concurrency × depth`). An open circuit is given room so its due
   * callbacks are failed fast instead of waiting; a circuit past its cooldown is given room
   * for its one probe. With `depth` above 1 a destination that has not failed lately may take
   * `depth` times its limit: the requests beyond it wait for a connection in turn. With
   * `holdMs`, such a destination may take as many as it answers within that time at its
   * typical pace (`limit × holdMs ÷ typical answer time`, at most MAX_HELD_ROOM), if that is more.
   */
  allowances(depth = 1, holdMs = 0): { excluded: string[]; limited: Map<string, number> } {
    const excluded: string[] = [];
    const limited = new Map<string, number>();
    const now = this.now();
    const fresh = this.options.concurrency * depth;
    for (const [destination, gate] of this.gates) {
      if (this.forgetIfIdle(destination, gate, now)) continue;
      const limit = Math.floor(gate.limit);
      let room: number;
      if (gate.openUntil === null) room = (gate.failures === 0 ? Math.max(limit * depth, this.heldRoom(gate, limit, holdMs)) : limit) - gate.inFlight;
      else if (gate.openUntil > now) room = this.options.concurrency;
      else room = gate.probing ? 0 : 1;
      if (room <= 0) excluded.push(destination);
      else if (room !== fresh) limited.set(destination, room);
    }
    return { excluded, limited };
  }

  /** What a destination answers within `holdMs` at its typical pace (0 while that is unknown). */
  private heldRoom(gate: Gate, limit: number, holdMs: number): number {
    if (holdMs <= 0 || gate.typicalMs === null) return 0;
    return Math.min(MAX_HELD_ROOM, Math.floor((limit * holdMs) / Math.max(1, gate.typicalMs)));
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
    if (gate.sending < Math.floor(gate.limit)) {
      gate.sending += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => gate.waiting.push(resolve));
  }

  /**
   * Called once for each admitted callback when its attempt has ended, with the request's time
   * when it was made; true when this opened the circuit.
   */
  release(destination: string, outcome: GateOutcome, sent = true, latencyMs?: number): boolean {
    const gate = this.gate(destination);
    gate.inFlight = Math.max(0, gate.inFlight - 1);
    gate.lastUsed = this.now();
    if (sent) {
      this.adapt(gate, outcome, gate.waiting.length > 0, latencyMs);
      const next = gate.waiting.shift();
      if (next) next();
      else gate.sending = Math.max(0, gate.sending - 1);
      // A raised limit lets more of the waiting go at once.
      while (gate.waiting.length > 0 && gate.sending < Math.floor(gate.limit)) {
        gate.sending += 1;
        gate.waiting.shift()?.();
      }
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
    this.forgetIfIdle(destination, gate, this.now());
    return opened;
  }

  /**
   * Additive increase, multiplicative decrease: a destination that keeps requests waiting and
   * answers them fast, near its best time, is given one more connection per limit's worth of
   * such answers; a failure halves its limit. A slow endpoint never grows past its first share.
   */
  private adapt(gate: Gate, outcome: GateOutcome, full: boolean, latencyMs: number | undefined): void {
    if (outcome === 'failure') {
      gate.limit = Math.max(this.options.concurrency, gate.limit / 2);
      return;
    }
    if (outcome !== 'success' || latencyMs === undefined) return;
    gate.bestMs = gate.bestMs === null || latencyMs < gate.bestMs ? latencyMs : gate.bestMs + (latencyMs - gate.bestMs) / 100;
    gate.typicalMs = gate.typicalMs === null ? latencyMs : gate.typicalMs + (latencyMs - gate.typicalMs) * TYPICAL_WEIGHT;
    if (full && latencyMs <= FAST_ANSWER_MS && latencyMs <= 2 * gate.bestMs + NEAR_BEST_SLACK_MS) {
      gate.limit = Math.min(this.maxConcurrency, gate.limit + 1 / Math.floor(gate.limit));
    }
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
      gate = { limit: this.options.concurrency, bestMs: null, typicalMs: null, lastUsed: this.now(), inFlight: 0, sending: 0, waiting: [], failures: 0, openUntil: null, probing: false };
      this.gates.set(destination, gate);
    }
    return gate;
  }

  /**
   * A healthy idle destination needs no memory, except what it taught (a higher limit, its
   * answer time), kept for a while: the map grows only with destinations in trouble, in
   * use, or used lately.
   */
  private forgetIfIdle(destination: string, gate: Gate, now: number): boolean {
    const idle = gate.inFlight === 0 && gate.sending === 0 && gate.failures === 0 && gate.openUntil === null;
    const taught = gate.limit >= this.options.concurrency + 1 || gate.typicalMs !== null;
    if (!idle || (taught && now - gate.lastUsed < FORGET_AFTER_MS)) return false;
    this.gates.delete(destination);
    return true;
  }
}
