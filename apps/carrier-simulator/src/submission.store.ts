// In-memory witness of every submit_sm that reached the simulated carrier: what, when, to which carrier, how it was answered (never the text).
import type { CarrierId } from './carriers';

export const DEFAULT_CAPACITY = 1_000_000;
/** A duplicate group lists at most this many carrier ids; `count` still says how many there were. */
const MAX_IDS_PER_DUPLICATE = 100;

/** Concatenation info of one part of a long message (UDH IE 0x00/0x08 or the SAR TLVs). */
export interface PartInfo {
  readonly ref: number;
  readonly total: number;
  readonly seq: number;
}

export const ReceiptStatus = { Delivered: 'DELIVRD', Undelivered: 'UNDELIV', Expired: 'EXPIRED', Rejected: 'REJECTD' } as const;
export type ReceiptStatus = (typeof ReceiptStatus)[keyof typeof ReceiptStatus];

/**
 * What became of a submit_sm that reached the carrier: `accepted` (ESME_ROK), `throttled`
 * (refused by the carrier's throughput policing), `rejected` (answered with an error of the
 * profile's error mix) or `unanswered` (the error mix chose to send no response at all).
 */
export const SubmissionStatus = { Accepted: 'accepted', Throttled: 'throttled', Rejected: 'rejected', Unanswered: 'unanswered' } as const;
export type SubmissionStatus = (typeof SubmissionStatus)[keyof typeof SubmissionStatus];
/** Query value that matches every status. */
export const ALL_STATUSES = 'all';
export type StatusFilter = SubmissionStatus | typeof ALL_STATUSES;

export interface ReceiptRecord {
  readonly status: ReceiptStatus;
  /** Epoch ms at which the deliver_sm was (last) written to a session. */
  readonly sentAt: number;
}

export interface NewSubmission {
  /** Epoch ms at which the submit_sm was read off the socket. */
  readonly receivedAt: number;
  readonly carrierMessageId: string;
  readonly systemId: string;
  /** E.164 digits without the plus (or the sender id as given when it is not a number). */
  readonly source: string;
  readonly destination: string;
  readonly carrier: CarrierId;
  readonly mcc: string;
  readonly mnc: string;
  readonly dataCoding: number;
  /** SHA-256 (hex) of the decoded text, so duplicates can be found without keeping content. */
  readonly textSha256: string;
  readonly parts?: PartInfo;
  /** Absent on accepted submissions (whose record keeps the shape it always had). */
  readonly status?: Exclude<SubmissionStatus, 'accepted'>;
  /** The submit_sm_resp's command_status, on throttled and rejected submissions. */
  readonly commandStatus?: number;
}

export interface Submission extends NewSubmission {
  /** 1, 2, 3, ... in arrival order since start (or the last reset). */
  readonly seq: number;
  receipt?: ReceiptRecord;
}

export interface SubmissionFilter {
  /** Accepted submissions only when absent. */
  readonly status?: StatusFilter;
  readonly destination?: string;
  readonly source?: string;
  readonly carrier?: CarrierId;
  /** Epoch ms, inclusive. */
  readonly since?: number;
  /** Epoch ms, exclusive. */
  readonly until?: number;
}

export interface SubmissionCount {
  readonly total: number;
  /** The most submissions whose receivedAt fall in any window [t, t + windowMs). */
  readonly maxInWindow: number;
}

export interface DuplicateGroup {
  readonly source: string;
  readonly destination: string;
  readonly textSha256: string;
  readonly parts?: PartInfo;
  readonly count: number;
  readonly carrierMessageIds: readonly string[];
}

export interface DuplicateReport {
  /** Keys seen more than once. */
  readonly groups: number;
  /** Submissions beyond the first of each key: what a loss-free, duplicate-free run keeps at 0. */
  readonly extraSubmissions: number;
  /** Largest groups first, at most the limit asked for. */
  readonly duplicates: readonly DuplicateGroup[];
}

/**
 * Bounded to the newest `capacity` submissions: a ring buffer, so recording stays O(1)
 * when the oldest is dropped, plus an index by carrier id for receipts.
 */
export class SubmissionStore {
  private ring: Submission[] = [];
  /** Index in `ring` of the oldest submission once the ring is full. */
  private start = 0;
  private nextSeq = 1;
  private byCarrierId = new Map<string, Submission>();

  constructor(readonly capacity: number = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive whole number');
  }

  get size(): number {
    return this.ring.length;
  }

  add(submission: NewSubmission): Submission {
    const record: Submission = { seq: this.nextSeq++, ...submission };
    if (this.ring.length < this.capacity) {
      this.ring.push(record);
    } else {
      const evicted = this.ring[this.start];
      this.byCarrierId.delete(evicted.carrierMessageId);
      this.ring[this.start] = record;
      this.start = (this.start + 1) % this.capacity;
    }
    this.byCarrierId.set(record.carrierMessageId, record);
    return record;
  }

  get(carrierMessageId: string): Submission | undefined {
    return this.byCarrierId.get(carrierMessageId);
  }

  /** Notes the receipt sent for a submission; false when it has already been dropped (or reset). */
  recordReceipt(carrierMessageId: string, receipt: ReceiptRecord): boolean {
    const record = this.byCarrierId.get(carrierMessageId);
    if (!record) return false;
    record.receipt = receipt;
    return true;
  }

  /** Matching submissions, oldest first, at most `limit`; `total` counts every match. */
  list(filter: SubmissionFilter, limit: number): { total: number; items: Submission[] } {
    const items: Submission[] = [];
    let total = 0;
    for (const record of this.matching(filter)) {
      total += 1;
      if (items.length < limit) items.push(record);
    }
    return { total, items };
  }

  count(filter: SubmissionFilter, windowMs: number): SubmissionCount {
    const times: number[] = [];
    for (const record of this.matching(filter)) times.push(record.receivedAt);
    return { total: times.length, maxInWindow: maxInWindow(times, windowMs) };
  }

  /** Accepted submissions only: a refused submit_sm that the ESME sends again is a retry, not a duplicate. */
  duplicates(limit: number): DuplicateReport {
    const groups = new Map<string, { first: Submission; ids: string[]; count: number }>();
    for (const record of this.matching({})) {
      const key = duplicateKey(record);
      const group = groups.get(key);
      if (group) {
        group.count += 1;
        if (group.ids.length < MAX_IDS_PER_DUPLICATE) group.ids.push(record.carrierMessageId);
      } else {
        groups.set(key, { first: record, ids: [record.carrierMessageId], count: 1 });
      }
    }
    const repeated = [...groups.values()].filter((g) => g.count > 1);
    repeated.sort((a, b) => b.count - a.count || a.first.seq - b.first.seq);
    return {
      groups: repeated.length,
      extraSubmissions: repeated.reduce((sum, g) => sum + g.count - 1, 0),
      duplicates: repeated.slice(0, limit).map(({ first, ids, count }) => ({
        source: first.source,
        destination: first.destination,
        textSha256: first.textSha256,
        ...(first.parts ? { parts: first.parts } : {}),
        count,
        carrierMessageIds: ids,
      })),
    };
  }

  clear(): void {
    this.ring = [];
    this.start = 0;
    this.nextSeq = 1;
    this.byCarrierId = new Map();
  }

  /** Oldest first. */
  private *all(): Generator<Submission> {
    const n = this.ring.length;
    for (let i = 0; i < n; i += 1) yield this.ring[(this.start + i) % n];
  }

  private *matching(filter: SubmissionFilter): Generator<Submission> {
    const status = filter.status ?? SubmissionStatus.Accepted;
    for (const record of this.all()) {
      if (status !== ALL_STATUSES && (record.status ?? SubmissionStatus.Accepted) !== status) continue;
      if (filter.destination !== undefined && record.destination !== filter.destination) continue;
      if (filter.source !== undefined && record.source !== filter.source) continue;
      if (filter.carrier !== undefined && record.carrier !== filter.carrier) continue;
      if (filter.since !== undefined && record.receivedAt < filter.since) continue;
      if (filter.until !== undefined && record.receivedAt >= filter.until) continue;
      yield record;
    }
  }
}

/**
 * The largest number of times in any window [t, t + windowMs): two times share a window
 * exactly when they are less than windowMs apart. Times are sorted first only if needed
 * (the wall clock may step back between two arrivals).
 */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = isSorted(times) ? times : [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi += 1) {
    while (sorted[hi] - sorted[lo] >= windowMs) lo += 1;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

function isSorted(times: readonly number[]): boolean {
  for (let i = 1; i < times.length; i += 1) if (times[i] < times[i - 1]) return false;
  return true;
}

/** Same sender, same handset, same text, same part: what a resubmission of one message looks like. */
function duplicateKey(record: Submission): string {
  const parts = record.parts ? `${record.parts.ref}/${record.parts.total}/${record.parts.seq}` : '-';
  return `${record.source}|${record.destination}|${record.textSha256}|${parts}`;
}
