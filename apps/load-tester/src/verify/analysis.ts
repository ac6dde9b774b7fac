// Judges a run from its four records: what the client was told (202s), what Postgres holds,
// what the carrier received, and what callbacks arrived. Pure: no I/O, so it is unit-tested.
import { MessageErrorCode } from '@sluice/contracts';
import { MESSAGE_EXPIRY, messageExpiryDeadline } from '@sluice/domain';
import type { SentMessage } from '../load/open-model';
import { HistogramSummary, LogHistogram } from '../measure/histogram';
import { allowedTimes, fullRateTimes, maxInWindow, utilisation, utilisationOfAllowed } from '../measure/windows';
import type { Submission } from '../platform/simulator-client';
import type { ExpectedQuota, QuotaKind } from '../quotas/expected-quotas';
import type { ReceivedCallback } from '../receiver/callback-receiver';
import { FINAL_STATES, MessageRow, StatusEventRow } from './platform-probe';

/** A submission more than this late after its message's expiry counts as sent expired. */
export const EXPIRY_TOLERANCE_MS = 1_000;

export interface QuotaResult {
  readonly id: string;
  readonly kind: QuotaKind;
  readonly group: string;
  readonly label: string;
  readonly limit: number;
  readonly windowMs: number;
  /** Units the run offered to this quota (accepted messages). */
  readonly demand: number;
  /** Units the carrier accepted under it. */
  readonly total: number;
  /** Most units in any window (or in all, for a daily cap). */
  readonly maxInWindow: number;
  readonly maxAt: number;
  /** Demand exceeded what the quota could carry while the arrivals lasted. */
  readonly backlogged: boolean;
  /**
   * How much of what the quotas allowed its traffic used (`utilisationOfAllowed`): every quota
   * of its messages used to the full, first come first served, from their acceptance.
   */
  readonly utilisation: number;
  /** The same against the quota alone, as if it were always fed (`utilisation` in measure/windows): a brand's TPM behind a slower account scores below 100 % at best. */
  readonly utilisationAlone: number;
  /** From the first acceptance of a message under this quota to the last of its units at the carrier (ms); NaN when nothing reached it. */
  readonly drainMs: number;
  /**
   * How much later than the quota required its messages reached the carrier: against the
   * quota used to the full, first come first served, from each acceptance (and no earlier
   * than the end of a carrier outage). The latest, and how many came more than a second late.
   */
  readonly beyondQuota: { readonly maxMs: number; readonly overOneSecond: number };
  readonly violation: string | null;
  /** The carrier-simulator's own /count of the same window (quotas of one sender only), as a cross-check. */
  witness?: number;
}

export interface StageLatencies {
  readonly http: HistogramSummary;
  readonly acceptToSubmit: HistogramSummary;
  readonly submitToReceipt: HistogramSummary;
  readonly receiptToCallback: HistogramSummary;
  readonly acceptToFinalCallback: HistogramSummary;
}

export interface Analysis {
  readonly accepted: number;
  readonly acceptedUnits: number;
  readonly states: Record<string, number>;
  readonly errorCodes: Record<string, number>;
  readonly lost: { readonly count: number; readonly byState: Record<string, number>; readonly sample: string[] };
  /** Rows of the run's accounts for which no 202 arrived (a time-out the gateway still honoured). */
  readonly acceptedWithout202: number;
  readonly carrier: { readonly accepted: number; readonly throttled: number; readonly rejected: number; readonly unanswered: number; readonly partsMissing: number; readonly partsMissingSample: readonly string[]; readonly recorded: number };
  readonly duplicates: { readonly groups: number; readonly extraSubmissions: number };
  readonly expiry: { readonly expired: number; readonly expiredCharged: number; readonly submittedAfterExpiry: number };
  /** Failed at a daily cap: 480 (T-Mobile's daily cap for the brand) or 481 (the sender number's own). */
  readonly tmobileCap: { readonly failed: number; readonly charged: number };
  readonly callbacks: { readonly owed: number; readonly received: number; readonly missing: number; readonly duplicated: number; readonly unexpected: number; readonly signed: number };
  readonly stages: StageLatencies;
  readonly stageHistograms: Record<keyof StageLatencies, LogHistogram>;
  readonly quotas: QuotaResult[];
  /** The phase's accept → carrier p95, for step searches. */
  readonly phaseAcceptToSubmit: Array<HistogramSummary>;
  /** Accept → final callback of the messages sent in each phase (a warm-up phase is told apart from what follows). */
  readonly phaseAcceptToFinalCallback: Array<HistogramSummary>;
}

export interface AnalysisInput {
  readonly sent: readonly SentMessage[];
  readonly http: LogHistogram;
  readonly phases: number;
  readonly rows: readonly MessageRow[];
  readonly events: readonly StatusEventRow[];
  readonly submissions: readonly Submission[];
  readonly callbacks: readonly ReceivedCallback[];
  readonly quotas: readonly ExpectedQuota[];
  /** Epoch ms a carrier outage of the run ended: nothing could reach the carrier before it. */
  readonly carrierDownUntil?: number;
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

export function analyse(input: AnalysisInput): Analysis {
  const rowsByUuid = new Map(input.rows.map((r) => [r.uuid, r]));
  const sentUuids = new Set(input.sent.map((m) => m.uuid));
  const byDestination = new Map(input.sent.map((m) => [m.dst, m]));

  // The run's carrier traffic: submissions to the destinations it used.
  const ours = input.submissions.filter((s) => byDestination.has(s.destination));
  const acceptedAtCarrier = ours.filter((s) => s.status === undefined);
  const partsByDestination = groupBy(acceptedAtCarrier, (s) => s.destination);

  const states: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  const lostByState: Record<string, number> = {};
  const lostSample: string[] = [];
  let partsMissing = 0;
  const partsMissingSample: string[] = [];
  let expired = 0;
  let expiredCharged = 0;
  let submittedAfterExpiry = 0;
  let capFailed = 0;
  let capCharged = 0;
  const stages = {
    http: input.http,
    acceptToSubmit: new LogHistogram(),
    submitToReceipt: new LogHistogram(),
    receiptToCallback: new LogHistogram(),
    acceptToFinalCallback: new LogHistogram(),
  };
  const phaseAcceptToSubmit = Array.from({ length: input.phases }, () => new LogHistogram());
  const phaseAcceptToFinalCallback = Array.from({ length: input.phases }, () => new LogHistogram());
  const callbacksByUuid = groupBy(input.callbacks, (c) => c.messageUuid);

  for (const message of input.sent) {
    const row = rowsByUuid.get(message.uuid);
    const state = row?.state ?? 'missing_row';
    bump(states, state);
    if (row) bump(errorCodes, row.errorCode);
    if (!row || !FINAL_STATES.has(row.state)) {
      bump(lostByState, state);
      if (lostSample.length < 10) lostSample.push(message.uuid);
    }
    if (row?.errorCode === MessageErrorCode.Expired) {
      expired += 1;
      if (row.totalAmount > 0) expiredCharged += 1;
    }
    if (row?.errorCode === MessageErrorCode.TMobileDailyCap || row?.errorCode === MessageErrorCode.SenderDailyCap) {
      capFailed += 1;
      if (row.totalAmount > 0) capCharged += 1;
    }
    const parts = (partsByDestination.get(message.dst) ?? []).sort((a, b) => a.receivedAt - b.receivedAt);
    if (row && (row.state === 'delivered' || row.state === 'undelivered' || row.state === 'sent') && parts.length < row.units) {
      partsMissing += 1;
      if (partsMissingSample.length < 5) partsMissingSample.push(`${message.uuid} (${row.state}, ${parts.length} of ${row.units} parts)`);
    }
    const first = parts[0];
    if (first) {
      const acceptToSubmit = Math.max(0, first.receivedAt - message.acceptedAt);
      stages.acceptToSubmit.record(acceptToSubmit);
      phaseAcceptToSubmit[message.phase]?.record(acceptToSubmit);
      const acceptedByGateway = row?.messageTime ?? message.acceptedAt;
      const expiresAt = messageExpiryDeadline(acceptedByGateway, message.expirySeconds ?? MESSAGE_EXPIRY.default);
      if (first.receivedAt > expiresAt + EXPIRY_TOLERANCE_MS) submittedAfterExpiry += 1;
    }
    const last = parts[parts.length - 1];
    if (last && row?.deliveryReportAt != null) stages.submitToReceipt.record(Math.max(0, row.deliveryReportAt - last.receivedAt));
    if (row && FINAL_STATES.has(row.state)) {
      const final = (callbacksByUuid.get(message.uuid) ?? []).filter((c) => c.status === row.state).sort((a, b) => a.receivedAt - b.receivedAt)[0];
      if (final) {
        const acceptToFinalCallback = Math.max(0, final.receivedAt - message.acceptedAt);
        stages.acceptToFinalCallback.record(acceptToFinalCallback);
        phaseAcceptToFinalCallback[message.phase]?.record(acceptToFinalCallback);
        if (row.deliveryReportAt != null) stages.receiptToCallback.record(Math.max(0, final.receivedAt - row.deliveryReportAt));
      }
    }
  }

  // Callbacks: one per status event of a message with a url, each exactly once.
  const owed = new Set(input.events.map((e) => `${e.uuid}#${e.sequence}`));
  const seen = new Map<string, number>();
  let unexpected = 0;
  let signed = 0;
  for (const c of input.callbacks) {
    if (c.signed) signed += 1;
    const key = `${c.messageUuid}#${c.sequence}`;
    if (!owed.has(key)) {
      unexpected += 1;
      continue;
    }
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  let duplicatedCallbacks = 0;
  for (const n of seen.values()) duplicatedCallbacks += n - 1;

  // Duplicates: accepted submissions with the same source, destination, text and part.
  let duplicateGroups = 0;
  let extraSubmissions = 0;
  for (const group of groupBy(acceptedAtCarrier, (s) => `${s.source}|${s.destination}|${s.textSha256}|${s.parts ? `${s.parts.ref}/${s.parts.total}/${s.parts.seq}` : ''}`).values()) {
    if (group.length > 1) {
      duplicateGroups += 1;
      extraSubmissions += group.length - 1;
    }
  }

  const quotas = checkQuotas(input.quotas, acceptedAtCarrier, input.sent, input.rows, input.carrierDownUntil);

  const count = (status: string): number => ours.filter((s) => s.status === status).length;
  return {
    accepted: input.sent.length,
    acceptedUnits: input.sent.reduce((sum, m) => sum + m.units, 0),
    states,
    errorCodes,
    lost: { count: Object.values(lostByState).reduce((a, b) => a + b, 0), byState: lostByState, sample: lostSample },
    acceptedWithout202: input.rows.filter((r) => !sentUuids.has(r.uuid)).length,
    carrier: { accepted: acceptedAtCarrier.length, throttled: count('throttled'), rejected: count('rejected'), unanswered: count('unanswered'), partsMissing, partsMissingSample, recorded: input.submissions.length },
    duplicates: { groups: duplicateGroups, extraSubmissions },
    expiry: { expired, expiredCharged, submittedAfterExpiry },
    tmobileCap: { failed: capFailed, charged: capCharged },
    callbacks: { owed: owed.size, received: input.callbacks.length, missing: [...owed].filter((k) => !seen.has(k)).length, duplicated: duplicatedCallbacks, unexpected, signed },
    stages: {
      http: stages.http.summary(),
      acceptToSubmit: stages.acceptToSubmit.summary(),
      submitToReceipt: stages.submitToReceipt.summary(),
      receiptToCallback: stages.receiptToCallback.summary(),
      acceptToFinalCallback: stages.acceptToFinalCallback.summary(),
    },
    stageHistograms: stages,
    quotas,
    phaseAcceptToSubmit: phaseAcceptToSubmit.map((h) => h.summary()),
    phaseAcceptToFinalCallback: phaseAcceptToFinalCallback.map((h) => h.summary()),
  };
}

function checkQuotas(
  quotas: readonly ExpectedQuota[],
  accepted: readonly Submission[],
  sent: readonly SentMessage[],
  rows: readonly MessageRow[],
  carrierDownUntil: number | undefined,
): QuotaResult[] {
  const submissionsBySource = groupBy(accepted, (s) => s.source);
  // When each message was whole at the carrier: its last part's arrival.
  const atCarrier = new Map<string, number>();
  for (const s of accepted) atCarrier.set(s.destination, Math.max(atCarrier.get(s.destination) ?? -Infinity, s.receivedAt));
  const sentBySource = groupBy(sent, (m) => m.src);
  const rowsByUuid = new Map(rows.map((r) => [r.uuid, r]));
  // Against the same messages: those that expired or failed before the carrier are not part of its drain.
  const allowedAt = allowedCarrierTimes(quotas, sent.filter((m) => atCarrier.has(m.dst)), carrierDownUntil);
  return quotas.map((quota) => {
    const times: number[] = [];
    for (const source of quota.sources) {
      for (const s of submissionsBySource.get(source) ?? []) if (quota.carrier === null || s.carrier === quota.carrier) times.push(s.receivedAt);
    }
    times.sort((a, b) => a - b);
    const offered = quota.sources.flatMap((source) => (sentBySource.get(source) ?? []).filter((m) => quota.carrier === null || m.carrier === quota.carrier));
    const demand = offered.reduce((sum, m) => sum + m.units, 0);
    const daily = quota.windowMs === 0;
    const peak = daily ? { max: times.length, at: times[0] ?? NaN } : maxInWindow(times, quota.windowMs);
    let violation: string | null = null;
    if (peak.max > quota.limit) violation = daily ? `${peak.max} in the day, cap ${quota.limit}` : `${peak.max} in ${quota.windowMs} ms from ${new Date(peak.at).toISOString()}, limit ${quota.limit}`;
    let backlogged = false;
    if (daily) {
      // A daily cap must be reached before anything fails against it.
      const capCode = quota.kind === 'tmobile_tpd' ? MessageErrorCode.TMobileDailyCap : quota.kind === 'number_daily' ? MessageErrorCode.SenderDailyCap : null;
      const capFailures = capCode ? offered.filter((m) => rowsByUuid.get(m.uuid)?.errorCode === capCode).length : 0;
      backlogged = capFailures > 0;
      if (!violation && capFailures > 0 && times.length < quota.limit) violation = `${capFailures} failed at the daily cap after only ${times.length} of ${quota.limit}`;
    } else if (offered.length > 0) {
      const accepts = offered.map((m) => m.acceptedAt);
      const span = Math.max(...accepts) - Math.min(...accepts);
      backlogged = demand > 1.05 * quota.limit * (Math.floor(span / quota.windowMs) + 1);
    }
    return {
      id: quota.id,
      kind: quota.kind,
      group: quota.group,
      label: quota.label,
      limit: quota.limit,
      windowMs: quota.windowMs,
      demand,
      total: times.length,
      maxInWindow: peak.max,
      maxAt: peak.at,
      backlogged,
      utilisation: daily ? times.length / quota.limit : utilisationOfAllowed(offered.map((m) => allowedAt.get(m.uuid) ?? NaN).filter(Number.isFinite), times, quota.limit, quota.windowMs),
      utilisationAlone: daily ? times.length / quota.limit : utilisation(times, quota.limit, quota.windowMs),
      drainMs: times.length > 0 && offered.length > 0 ? (times[times.length - 1] ?? NaN) - Math.min(...offered.map((m) => m.acceptedAt)) : NaN,
      beyondQuota: daily ? { maxMs: 0, overOneSecond: 0 } : beyondQuota(offered, atCarrier, quota, carrierDownUntil),
      violation,
    };
  });
}

/** When each message would have reached the carrier with every window quota used to the full, first come first served (`allowedTimes`), by uuid. */
function allowedCarrierTimes(quotas: readonly ExpectedQuota[], sent: readonly SentMessage[], carrierDownUntil: number | undefined): Map<string, number> {
  const windowed = quotas.filter((q) => q.windowMs > 0);
  const bySource = new Map<string, number[]>();
  windowed.forEach((q, i) => q.sources.forEach((source) => bySource.set(source, [...(bySource.get(source) ?? []), i])));
  const inOrder = [...sent].sort((a, b) => a.acceptedAt - b.acceptedAt);
  const messages = inOrder.map((m) => ({
    acceptedAt: m.acceptedAt,
    units: m.units,
    quotas: (bySource.get(m.src) ?? []).filter((i) => {
      const carrier = windowed[i]?.carrier ?? null;
      return carrier === null || carrier === m.carrier;
    }),
  }));
  const times = allowedTimes(messages, windowed, carrierDownUntil);
  return new Map(inOrder.map((m, i) => [m.uuid, times[i] ?? NaN]));
}

/** How much later than the quota required, used to the full and first come first served, each offered message reached the carrier. */
function beyondQuota(
  offered: readonly SentMessage[],
  atCarrier: ReadonlyMap<string, number>,
  quota: ExpectedQuota,
  carrierDownUntil: number | undefined,
): { maxMs: number; overOneSecond: number } {
  const inOrder = [...offered].sort((a, b) => a.acceptedAt - b.acceptedAt);
  const required = fullRateTimes(inOrder, quota.limit, quota.windowMs, carrierDownUntil);
  let maxMs = 0;
  let overOneSecond = 0;
  inOrder.forEach((message, i) => {
    const at = atCarrier.get(message.dst);
    if (at === undefined) return;
    const late = at - (required[i] ?? at);
    maxMs = Math.max(maxMs, late);
    if (late > 1_000) overOneSecond += 1;
  });
  return { maxMs, overOneSecond };
}
