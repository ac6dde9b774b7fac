// This replica's admitted but not yet committed spend, so concurrent sends of one account do not both take the last of its limit.

export interface Reservation {
  readonly rootAccountId: string;
  readonly accountId: string;
  /** In 1/100,000 units. */
  readonly amount: number;
  /** Epoch ms when its rows were committed (the Postgres counter includes it from then); null while in flight. */
  settledAt: number | null;
}

/** Committed reservations are kept this long after their commit, for reads of the counter that began before it. */
const KEEP_SETTLED_MS = 30_000;
/** Accounts with reservations beyond which the settled ones are swept. */
const MAX_ROOTS = 10_000;

/**
 * A send reads the month's spend from Postgres and adds what this replica has admitted
 * that the read may not include: reservations still in flight, and those committed after
 * the read began. Reserving happens right after that sum, with no await in between, so
 * two sends on this replica never both see room for the same amount. Other replicas'
 * in-flight sends are not seen: a limit can be passed by what they admit in the same
 * moment (a few requests), never by more.
 */
export class SpendReservations {
  private readonly byRoot = new Map<string, Reservation[]>();

  /** What `pending` adds for a read of the counter that began at `readStartedAt`. */
  pending(rootAccountId: string, accountId: string, readStartedAt: number): { own: number; family: number } {
    let own = 0;
    let family = 0;
    for (const r of this.byRoot.get(rootAccountId) ?? []) {
      if (r.settledAt !== null && r.settledAt < readStartedAt) continue;
      family += r.amount;
      if (r.accountId === accountId) own += r.amount;
    }
    return { own, family };
  }

  reserve(rootAccountId: string, accountId: string, amount: number, now: number): Reservation {
    const reservation: Reservation = { rootAccountId, accountId, amount, settledAt: null };
    const list = (this.byRoot.get(rootAccountId) ?? []).filter((r) => r.settledAt === null || r.settledAt > now - KEEP_SETTLED_MS);
    list.push(reservation);
    this.byRoot.set(rootAccountId, list);
    if (this.byRoot.size > MAX_ROOTS) this.sweep(now);
    return reservation;
  }

  /** The rows are committed: the counter in Postgres now includes the amount. */
  committed(reservation: Reservation, at: number): void {
    reservation.settledAt = at;
  }

  /** The send was not accepted: nothing was spent. */
  released(reservation: Reservation): void {
    const list = this.byRoot.get(reservation.rootAccountId);
    if (!list) return;
    const rest = list.filter((r) => r !== reservation);
    if (rest.length === 0) this.byRoot.delete(reservation.rootAccountId);
    else this.byRoot.set(reservation.rootAccountId, rest);
  }

  /** Drops accounts whose reservations are all settled long enough ago. */
  private sweep(now: number): void {
    for (const [root, list] of this.byRoot) {
      if (list.every((r) => r.settledAt !== null && r.settledAt <= now - KEEP_SETTLED_MS)) this.byRoot.delete(root);
    }
  }
}
