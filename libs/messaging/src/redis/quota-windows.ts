// Sliding-window quota keys in Redis (sorted sets of unit times) and their rebuild from Postgres's record of sends.
import type Redis from 'ioredis';
import { luaScript } from './lua-script';

/**
 * The member that marks a window key as complete: always present at score 0, below every
 * unit and kept by the trimming. A key without it was never written, expired after a quiet
 * spell, or was lost with Redis's data; in each case it is rebuilt before anything counts on it.
 */
export const WINDOW_SENTINEL = '~';

/**
 * KEYS: one window key. ARGV: its time to live (ms), then score and member pairs.
 * Writes the key only if it is still missing, so a rebuild never disturbs entries made since.
 */
const RESTORE_WINDOW = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('ZADD', KEYS[1], 0, '${WINDOW_SENTINEL}')
for i = 2, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/** Defines the rebuild's script on a connection (before its first command; see lua-script.ts). */
export function defineWindowScripts(redis: Redis): void {
  luaScript(redis, RESTORE_WINDOW);
}

/** A sliding-window quota as its keys need it (WindowQuota of @sluice/domain has this shape). */
export interface QuotaWindow {
  readonly scope: string;
  readonly limit: number;
  readonly windowMs: number;
}

/** A message the carrier received, with the windows it counted against (CountedSend of @sluice/domain). */
export interface RecordedSend {
  readonly messageUuid: string;
  /** Epoch ms (unshifted), when the carrier received it. */
  readonly sentAt: number;
  readonly units: number;
  readonly windows: readonly QuotaWindow[];
}

/** Postgres's record of what a root account's family sent since an epoch ms (RecentSendsSource of @sluice/domain). */
export type RecordedSendsSource = (rootAccountId: string, since: number) => Promise<readonly RecordedSend[]>;

export interface WindowRebuild {
  readonly rootAccountId: string;
  readonly windows: readonly QuotaWindow[];
  /** The key of each window, in the same order. */
  readonly keys: readonly string[];
  /** How long each window is counted (its length plus a guard band). */
  readonly lengthsMs: readonly number[];
  /** Redis time of the caller, on its (possibly shifted) clock. */
  readonly now: number;
  /** The shift of the caller's clock from Redis time (0 outside tests). */
  readonly clockOffsetMs?: number;
}

/**
 * A send is recorded in Postgres a moment after the carrier has it (its `sent` write), and a
 * dispatcher may hold jobs it claimed just before a loss: this long of a scope's recent sends
 * stands for what may be in flight, unseen, when its window is rebuilt.
 */
export const IN_FLIGHT_ALLOWANCE_MS = 1_000;

/**
 * Rebuilds every missing window key from the sends Postgres recorded within the window
 * (plus the guard), each at its send time, before anything is counted on it. Each send costs
 * its units, at most the smallest limit among its windows (what booking and admission take).
 *
 * Sends in flight at that moment (submitted, not yet recorded) are not in Postgres. A key
 * outlives its last booking by a minute, so a missing key whose scope recorded sends in the
 * last IN_FLIGHT_ALLOWANCE_MS was lost, not expired: it also gets as many units as that last
 * stretch recorded (at most its limit), counted from now. After a loss, a busy quota gives up
 * at most that much once, and the sends in flight cannot push a window over.
 */
export async function rebuildMissingWindows(redis: Redis, rebuild: WindowRebuild, recentSends: RecordedSendsSource): Promise<void> {
  const exists = await Promise.all(rebuild.keys.map((key) => redis.exists(key)));
  const missing = rebuild.windows
    .map((quota, i) => ({ quota, key: rebuild.keys[i], lengthMs: rebuild.lengthsMs[i] }))
    .filter((entry, i): entry is { quota: QuotaWindow; key: string; lengthMs: number } => exists[i] === 0 && entry.key !== undefined && entry.lengthMs !== undefined);
  if (missing.length === 0) return;
  const offset = rebuild.clockOffsetMs ?? 0;
  const horizon = Math.max(...missing.map((m) => m.lengthMs));
  const sends = await recentSends(rebuild.rootAccountId, rebuild.now - offset - horizon);
  for (const { quota, key, lengthMs } of missing) {
    const entries: Array<string | number> = [];
    let recent = 0;
    for (const send of sends) {
      const at = send.sentAt + offset;
      if (at <= rebuild.now - lengthMs || !send.windows.some((w) => w.scope === quota.scope)) continue;
      const cost = Math.min(send.units, ...send.windows.map((w) => w.limit));
      for (let unit = 1; unit <= cost; unit += 1) entries.push(at, `${send.messageUuid}:${unit}`);
      if (at > rebuild.now - IN_FLIGHT_ALLOWANCE_MS) recent += cost;
    }
    for (let unit = 1; unit <= Math.min(quota.limit, recent); unit += 1) entries.push(rebuild.now, `in-flight:${rebuild.now}:${unit}`);
    await luaScript(redis, RESTORE_WINDOW)(1, key, lengthMs + 60_000, ...entries);
  }
}
