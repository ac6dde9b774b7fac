// Admission of a message against its window quotas at the moment it is handed to the carrier.
import type { SlidingWindowQuota } from './sliding-window';
import type { WindowQuota } from './quota-rules';

/**
 * The rule carrier-dispatch's admission script runs in Redis (see QuotaAdmission in
 * @sluice/messaging). `sent[i]` are the units already admitted under quota i, ascending, each
 * at the time it is counted from: a unit whose submit the carrier has answered is counted from
 * that answer (the carrier received it then or before); a unit still in flight carries a time
 * later than `now` and counts wherever it lands. Every unit is then at or after its arrival at
 * the carrier, and nothing but an in-flight unit is ahead of `now`, so the windows [s, s + W)
 * holding `now` that can go over are those starting in (now − W, now], and `cost` units fit
 * when everything counted after now − W leaves room for them.
 *
 * When some quota has no room, `earliest` is the first time at which every quota will have
 * room if nothing else is admitted meanwhile: for quota i the time its (count + cost −
 * limit)-th oldest unit in the window leaves it, i.e. that unit's time + W. A unit in flight
 * is answered no earlier than now, so it leaves no earlier than now + W.
 *
 * Room at most `aheadMs` away is given at once, for that time (`at`): the units are recorded
 * in flight now, so everything admitted after them counts them, and the caller hands the
 * message over no earlier than `at`. That room must be certain: the units that have to leave
 * first are counted from their answer already (a unit in flight may land anywhere, so it only
 * gives `earliest`, a time to ask again). A later time has at least as much room (only units
 * in flight are ahead of now, and they count everywhere), so the message arrives inside
 * windows that all had room for it.
 */
export type AdmissionDecision = { readonly admitted: true; readonly at: number } | { readonly admitted: false; readonly earliest: number };

export function admitAt(sent: ReadonlyArray<readonly number[]>, now: number, cost: number, quotas: readonly SlidingWindowQuota[], aheadMs = 0): AdmissionDecision {
  let earliest = now;
  let room = now;
  quotas.forEach((quota, i) => {
    const times = sent[i] ?? [];
    const inWindow = times.filter((t) => t > now - quota.windowMs);
    const over = inWindow.length + Math.min(cost, quota.limit) - quota.limit;
    if (over <= 0) return;
    const leaving = inWindow[over - 1] ?? now;
    earliest = Math.max(earliest, Math.min(leaving, now) + quota.windowMs);
    room = Math.max(room, leaving + quota.windowMs);
  });
  return room - now <= aheadMs ? { admitted: true, at: room } : { admitted: false, earliest };
}

/**
 * How far apart the line of `quotas[i]` places a message's units: W / limit each, or a shorter
 * window's W / limit of the same message when that is less. A long window's room comes back
 * at the pace its units went, and the message's shorter windows bounded that pace: a brand's
 * 4,500 TPM sent at its account's 100 MPS frees room at 100 a second, not at 75.
 */
export function lineSpacing(cost: number, quotas: readonly SlidingWindowQuota[], i: number): number {
  const own = quotas[i];
  if (!own) return 0;
  let each = own.windowMs / own.limit;
  for (const other of quotas) if (other.windowMs < own.windowMs) each = Math.min(each, other.windowMs / other.limit);
  return Math.ceil(Math.min(cost, own.limit) * each);
}

/**
 * When a refused message is tried again. Room at most `nearMs` away: at that time, and the
 * cursor stays (the caller waits and asks again). Otherwise at its earliest admissible time,
 * but not before the quota's retry cursor, which then moves on by `spacingMs` (by default the
 * time the quota needs for the message's units, W / limit per unit; see `lineSpacing`): a
 * backlog refused at once is spread out at the quota's own rate instead of every job coming
 * back at the same instant, and each refused message costs O(1). Returns the retry time and
 * the quota's next cursor.
 */
export function spacedRetry(
  now: number,
  earliest: number,
  cursor: number | null,
  cost: number,
  quota: SlidingWindowQuota,
  nearMs = 0,
  spacingMs = lineSpacing(cost, [quota], 0),
): { readonly retryAt: number; readonly cursor: number | null } {
  if (earliest - now <= nearMs) return { retryAt: earliest, cursor };
  const retryAt = Math.max(earliest, cursor ?? earliest);
  return { retryAt, cursor: retryAt + spacingMs };
}

/**
 * A quota's line in real time: each message in it has a place (line time), and the line a
 * shift, how far it has fallen behind, so a message is due at place + shift. A message that
 * finds no room at its turn waits until `earliest`, and the line's shift grows by that wait:
 * the messages behind it keep their order and their spacing, instead of all coming back at
 * the one time room does. Returns when the message is tried again and the line's new shift.
 */
export function keepLineOrder(place: number, shift: number, earliest: number): { readonly retryAt: number; readonly shift: number } {
  const due = place + shift;
  if (earliest <= due) return { retryAt: due, shift };
  return { retryAt: earliest, shift: shift + earliest - due };
}

/** A message the carrier received, with the windows it counted against (as they apply now). */
export interface CountedSend {
  readonly messageUuid: string;
  /** Epoch ms (unshifted), when the carrier received it. */
  readonly sentAt: number;
  readonly units: number;
  readonly windows: readonly WindowQuota[];
}

/** Reads what the carrier received for a root account's family since an epoch ms (unshifted clock). */
export type RecentSendsSource = (rootAccountId: string, since: number) => Promise<readonly CountedSend[]>;
