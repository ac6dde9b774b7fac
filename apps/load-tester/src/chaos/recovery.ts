// Judges a fault-injection run from its records: how long each fault took to recover from,
// which duplicates it explains, and whether any message reached two final states. Pure (no I/O).
import type { SentMessage } from '../load/open-model';
import type { Submission } from '../platform/simulator-client';
import type { ReceivedCallback } from '../receiver/callback-receiver';
import { FINAL_STATES, StatusEventRow } from '../verify/platform-probe';
import type { FaultSpec } from './chaos-scenarios';

/** What the injector did, and when (epoch ms). */
export interface FaultRecord {
  readonly name: string;
  readonly spec: FaultSpec;
  readonly description: string;
  readonly injectedAt: number;
  /** When the harness put things back (process or server started again, outage over); null when there is nothing to put back. */
  readonly restoredAt: number | null;
  /** Poison records only: what was produced and what reached the dead-letter topic. */
  readonly poison?: { readonly records: number; readonly deadLetterTopic: string; deadLettered: number | null };
  /** Something that did not go as planned (set later when a restarted process dies). */
  problem?: string;
}

/** A change of an app's readiness (`GET /health/ready` answering 200 or not), as polled. */
export interface ReadinessChange {
  readonly t: number;
  readonly app: string;
  readonly ready: boolean;
}

export interface FaultOutcome extends FaultRecord {
  /** Apps seen not ready after the injection, with how long (ms) until they were ready again. */
  readonly unready: Record<string, number>;
  /** From the injection until every app answered ready again (after the restoration). */
  readonly readyAfterMs: number | null;
  /** Until the carrier received the first message accepted after the injection. */
  readonly flowingAfterMs: number | null;
  /** Until the first final callback of a message accepted after the injection arrived. */
  readonly callbacksAfterMs: number | null;
  /** Until every message in flight at the injection (accepted in the 30 s before) had its final callback. */
  readonly settledAfterMs: number | null;
  /** The latest of the four; null when one of them did not happen within the bound. */
  readonly recoveredAfterMs: number | null;
  /** Extra carrier submissions and repeated callbacks first seen after this fault (before the next one). */
  readonly carrierDuplicates: number;
  readonly callbackDuplicates: number;
  /** Messages accepted after this fault (before the next one) that were not final after the drain. */
  readonly stuck: number;
  /** Quota violations whose fullest window began after this fault (before the next one). */
  readonly quotaViolations: number;
  /** Apps that exited by themselves after this fault (before the next one) and were started again. */
  readonly supervisorRestarts: number;
}

export interface RecoveryInput {
  readonly faults: readonly FaultRecord[];
  readonly readiness: readonly ReadinessChange[];
  readonly sent: readonly SentMessage[];
  readonly submissions: readonly Submission[];
  readonly callbacks: readonly ReceivedCallback[];
  /** Only messages of this group measure flow (no quota holds them back). */
  readonly flowGroup: number;
  readonly recoverWithinMs: number;
  /** When each message still not final after the drain was accepted. */
  readonly stuckAcceptedAt?: readonly number[];
  /** Where each violated quota's fullest window began. */
  readonly violationsAt?: readonly number[];
  /** When an app exited by itself. */
  readonly supervisorRestartsAt?: readonly number[];
}

/** Messages accepted this long before a fault count as in flight when it struck. */
export const IN_FLIGHT_LOOKBACK_MS = 30_000;

/** First time at or after `from` (and before `until`) at which every app's last known state is ready. */
export function allReadyAt(changes: readonly ReadinessChange[], from: number, until: number): number | null {
  const sorted = [...changes].sort((a, b) => a.t - b.t);
  const state = new Map<string, boolean>();
  const allReady = (): boolean => state.size > 0 && [...state.values()].every(Boolean);
  for (const change of sorted.filter((c) => c.t <= from)) state.set(change.app, change.ready);
  if (allReady()) return from < until ? from : null;
  for (const change of sorted.filter((c) => c.t > from && c.t < until)) {
    state.set(change.app, change.ready);
    if (allReady()) return change.t;
  }
  return null;
}

/** Per app, the ms it spent not ready within [from, until). */
export function unreadyTime(changes: readonly ReadinessChange[], from: number, until: number): Record<string, number> {
  const byApp = new Map<string, ReadinessChange[]>();
  for (const change of [...changes].sort((a, b) => a.t - b.t)) byApp.set(change.app, [...(byApp.get(change.app) ?? []), change]);
  const result: Record<string, number> = {};
  for (const [app, list] of byApp) {
    let total = 0;
    list.forEach((change, index) => {
      if (change.ready) return;
      const start = Math.max(change.t, from);
      const end = Math.min(list[index + 1]?.t ?? until, until);
      if (end > start) total += end - start;
    });
    if (total > 0) result[app] = total;
  }
  return result;
}

const duplicateKey = (s: Submission): string => `${s.source}|${s.destination}|${s.textSha256}|${s.parts ? `${s.parts.ref}/${s.parts.total}/${s.parts.seq}` : ''}`;

/** Times of the extra arrivals of each repeated key (every arrival after the first). */
function extraTimes<T>(items: readonly T[], key: (item: T) => string, time: (item: T) => number): number[] {
  const byKey = new Map<string, number[]>();
  for (const item of items) byKey.set(key(item), [...(byKey.get(key(item)) ?? []), time(item)]);
  return [...byKey.values()].flatMap((times) => times.sort((a, b) => a - b).slice(1));
}

/** Index of the fault in force at `t` (the latest injected at or before it), or -1 before the first. */
export function faultAt(faults: readonly FaultRecord[], t: number): number {
  let found = -1;
  faults.forEach((fault, index) => {
    if (fault.injectedAt <= t) found = index;
  });
  return found;
}

export function recoveries(input: RecoveryInput): FaultOutcome[] {
  const faults = [...input.faults].sort((a, b) => a.injectedAt - b.injectedAt);
  const ours = new Set(input.sent.map((m) => m.dst));
  const accepted = input.submissions.filter((s) => s.status === undefined && ours.has(s.destination));
  const firstArrival = new Map<string, number>();
  for (const s of accepted) firstArrival.set(s.destination, Math.min(firstArrival.get(s.destination) ?? Infinity, s.receivedAt));
  const finalCallback = new Map<string, number>();
  for (const c of input.callbacks) {
    if (FINAL_STATES.has(c.status)) finalCallback.set(c.messageUuid, Math.min(finalCallback.get(c.messageUuid) ?? Infinity, c.receivedAt));
  }
  const flow = input.sent.filter((m) => m.group === input.flowGroup);

  const carrierExtras = extraTimes(accepted, duplicateKey, (s) => s.receivedAt);
  const callbackExtras = extraTimes(input.callbacks, (c) => `${c.messageUuid}#${c.sequence}`, (c) => c.receivedAt);
  const attributed = (times: readonly number[], index: number): number => times.filter((t) => faultAt(faults, t) === index).length;

  return faults.map((fault, index) => {
    const start = fault.injectedAt;
    const bound = start + input.recoverWithinMs;
    // Readiness lost after this fault and before the next one is this fault's doing.
    const windowEnd = Math.min(bound, faults[index + 1]?.injectedAt ?? Infinity);
    const lastDown = Math.max(start, ...input.readiness.filter((c) => !c.ready && c.t >= start && c.t < windowEnd).map((c) => c.t));
    const readyAt = allReadyAt(input.readiness, Math.max(fault.restoredAt ?? start, lastDown), bound);
    const after = flow.filter((m) => m.acceptedAt >= start);
    const earliest = (times: ReadonlyArray<number | undefined>): number | null => {
      const known = times.filter((t): t is number => t !== undefined && t <= bound);
      return known.length > 0 ? Math.min(...known) : null;
    };
    const flowingAt = earliest(after.map((m) => firstArrival.get(m.dst)));
    const callbacksAt = earliest(after.map((m) => finalCallback.get(m.uuid)));
    const previous = faults[index - 1]?.injectedAt ?? -Infinity;
    const inFlight = flow.filter((m) => m.acceptedAt < start && m.acceptedAt >= Math.max(previous, start - IN_FLIGHT_LOOKBACK_MS));
    const settledTimes = inFlight.map((m) => finalCallback.get(m.uuid));
    const settledAt = settledTimes.every((t) => t !== undefined && t <= bound) ? Math.max(start, ...settledTimes.filter((t): t is number => t !== undefined)) : null;
    const since = (t: number | null): number | null => (t === null ? null : Math.max(0, t - start));
    const measures = { readyAfterMs: since(readyAt), flowingAfterMs: since(flowingAt), callbacksAfterMs: since(callbacksAt), settledAfterMs: since(settledAt) };
    const known = Object.values(measures).filter((m): m is number => m !== null);
    return {
      ...fault,
      unready: unreadyTime(input.readiness, start, readyAt ?? windowEnd),
      ...measures,
      recoveredAfterMs: known.length === Object.keys(measures).length ? Math.max(...known) : null,
      carrierDuplicates: attributed(carrierExtras, index),
      callbackDuplicates: attributed(callbackExtras, index),
      stuck: attributed(input.stuckAcceptedAt ?? [], index),
      quotaViolations: attributed(input.violationsAt ?? [], index),
      supervisorRestarts: attributed(input.supervisorRestartsAt ?? [], index),
    };
  });
}

/** Messages whose history holds more than one final state (e.g. both `failed` and `delivered`). */
export function multipleFinalStates(events: readonly StatusEventRow[]): { readonly count: number; readonly sample: string[] } {
  const finals = new Map<string, Set<string>>();
  for (const event of events) {
    if (!FINAL_STATES.has(event.state)) continue;
    const seen = finals.get(event.uuid) ?? new Set<string>();
    seen.add(`${event.state}#${event.sequence}`);
    finals.set(event.uuid, seen);
  }
  const many = [...finals].filter(([, states]) => states.size > 1).map(([uuid]) => uuid);
  return { count: many.length, sample: many.slice(0, 10) };
}

/** Settings of the platform the allowances follow from (the values the suite gave it). */
export interface AllowanceSettings {
  /** SMPP_WINDOW × SMPP_BINDS of one dispatcher: submits it may have had in flight when killed. */
  readonly dispatcherInFlight: number;
  /** CALLBACK_CONCURRENCY of one callback-service: callbacks it may have had in flight when killed. */
  readonly callbacksInFlight: number;
}

/** Duplicates the faults explain: what a killed dispatcher or callback-service had in flight. */
export function allowancesFor(faults: readonly FaultSpec[], settings: AllowanceSettings): { carrierDuplicates: number; callbackDuplicates: number; why: string } {
  const dispatchers = faults.filter((f) => f.kind === 'kill-app' && f.app === 'carrier-dispatch').length;
  const callbackServices = faults.filter((f) => f.kind === 'kill-app' && f.app === 'callback-service').length;
  const why: string[] = [];
  if (dispatchers > 0) why.push(`${settings.dispatcherInFlight} SMPP submits in flight × ${dispatchers} dispatcher(s) killed`);
  if (callbackServices > 0) why.push(`${settings.callbacksInFlight} callbacks in flight × ${callbackServices} callback-service(s) killed`);
  return {
    carrierDuplicates: dispatchers * settings.dispatcherInFlight,
    callbackDuplicates: callbackServices * settings.callbacksInFlight,
    why: why.join('; ') || 'no process with work in flight was killed',
  };
}

/** Failures of the fault-injection checks (the load test's own checks come on top). */
export function chaosFailures(outcomes: readonly FaultOutcome[], finals: { readonly count: number }, recoverWithinMs: number): string[] {
  const failures: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.problem) failures.push(`${outcome.name}: ${outcome.problem}`);
    if (outcome.recoveredAfterMs === null) {
      const missing = [
        outcome.readyAfterMs === null ? 'apps ready' : null,
        outcome.flowingAfterMs === null ? 'new messages at the carrier' : null,
        outcome.callbacksAfterMs === null ? 'their final callbacks' : null,
        outcome.settledAfterMs === null ? 'messages in flight at the fault final' : null,
      ].filter(Boolean);
      failures.push(`${outcome.name}: not recovered within ${Math.round(recoverWithinMs / 1_000)} s (no ${missing.join(', no ')})`);
    }
    const poison = outcome.poison;
    if (poison && poison.deadLettered === null) failures.push(`${outcome.name}: there is no dead-letter topic ${poison.deadLetterTopic}`);
    else if (poison && poison.deadLettered !== null && poison.deadLettered < poison.records) {
      failures.push(`${outcome.name}: ${poison.deadLettered} of ${poison.records} poison records reached ${poison.deadLetterTopic}`);
    }
  }
  if (finals.count > 0) failures.push(`final states: ${finals.count} messages reached more than one final state`);
  return failures;
}
