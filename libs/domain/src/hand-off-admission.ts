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
 * A quota's line as lanes: one per unit of its limit, each the place (line time) from which it
 * is free again, ascending. A message of `cost` units takes the `cost` lanes free first and goes
 * at the latest of them (`placeInLanes`); each of those lanes is then free again a window after
 * that place (`takeLanes`). Unit n of a line thus goes a window after unit n − limit, the full
 * rate of the quota however its window was used before: a line that starts behind a burst goes
 * out in bursts a window apart, one that starts behind an even flow keeps it even, and a long
 * window's room comes back at the pace its units went (a brand's TPM behind its account's MPS).
 *
 * A line starts from the quota's window (`seedLanes`): each unit in it frees its lane a window
 * after it is counted (a unit in flight, no earlier than now + W), and the lanes of units not
 * used are free now. `shift` is how far the line has fallen behind (`keepLineOrder`): real
 * time = line time + shift.
 */
export function seedLanes(windowTimes: readonly number[], now: number, quota: SlidingWindowQuota, shift = 0): number[] {
  const inWindow = windowTimes.filter((t) => t > now - quota.windowMs).slice(-quota.limit);
  const free: number[] = new Array<number>(quota.limit - inWindow.length).fill(now - shift);
  return [...free, ...inWindow.map((t) => Math.min(t, now) + quota.windowMs - shift)];
}

/** The place (line time) a message of `cost` units gets in a line: when its `cost`-th lane is free. */
export function placeInLanes(lanes: readonly number[], cost: number): number {
  return lanes[Math.max(1, Math.min(cost, lanes.length)) - 1] ?? Number.NEGATIVE_INFINITY;
}

/** The lanes once a message of `cost` units has taken its place: the lanes it used are free a window after it. */
export function takeLanes(lanes: readonly number[], cost: number, place: number, windowMs: number): number[] {
  const taken = Math.max(1, Math.min(cost, lanes.length));
  return [...lanes.slice(taken), ...new Array<number>(taken).fill(place + windowMs)].sort((a, b) => a - b);
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
