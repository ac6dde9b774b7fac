// Monthly spending limits: which messages of a send still fit, and which alert levels the spend has reached.

/** Percent of a limit at which an operator alert is raised, each once per account and month. */
export const SPEND_ALERT_LEVELS = [80, 100] as const;
export type SpendAlertLevel = (typeof SPEND_ALERT_LEVELS)[number];

/** The calendar month (UTC) of `at`, as its first day: `2025-12-01`. */
export function utcMonth(at: number): string {
  const date = new Date(at);
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-01`;
}

/** One limit that applies to a send: the sender's own, or its parent's (which covers its subaccounts). */
export interface SpendLimitState {
  /** The account whose limit it is. */
  readonly accountId: string;
  /** In 1/100,000 units (see `priceUnits`). */
  readonly limit: number;
  /** Spent this month under this limit, in the same units, including sends not yet committed. */
  readonly spent: number;
}

export interface SpendAdmission {
  /** The first `admitted` messages fit every limit; the rest fail with 490. */
  readonly admitted: number;
  /** Levels each limit has reached once the admitted messages are spent (or a message was refused: 100). */
  readonly reached: ReadonlyArray<{ readonly accountId: string; readonly level: SpendAlertLevel }>;
}

/**
 * Takes charged messages in order while the spend after each stays within every limit:
 * the first one that would pass a limit fails with 490, and so does every later one of
 * the same send (a send is not reordered to squeeze in cheaper messages). A limit counts
 * as reached (level 100) when the spend equals it or a message was refused for it.
 */
export function admitSpend(amounts: readonly number[], limits: readonly SpendLimitState[]): SpendAdmission {
  let admitted = 0;
  let total = 0;
  let refusedBy: string | null = null;
  for (const amount of amounts) {
    const over = limits.find((l) => l.spent + total + amount > l.limit);
    if (over) {
      refusedBy = over.accountId;
      break;
    }
    total += amount;
    admitted += 1;
  }
  const reached: Array<{ accountId: string; level: SpendAlertLevel }> = [];
  for (const l of limits) {
    const after = l.spent + total;
    for (const level of SPEND_ALERT_LEVELS) {
      const byAmount = l.limit > 0 && after * 100 >= l.limit * level;
      if (byAmount || (level === 100 && refusedBy === l.accountId)) reached.push({ accountId: l.accountId, level });
    }
  }
  return { admitted, reached };
}
