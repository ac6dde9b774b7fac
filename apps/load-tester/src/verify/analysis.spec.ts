import type { SentMessage } from '../load/open-model';
import { LogHistogram } from '../measure/histogram';
import type { Submission } from '../platform/simulator-client';
import type { ExpectedQuota } from '../quotas/expected-quotas';
import type { ReceivedCallback } from '../receiver/callback-receiver';
import { analyse, AnalysisInput } from './analysis';
import type { MessageRow } from './platform-probe';

const T = 1_700_000_000_000;
const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function sent(n: number, overrides: Partial<SentMessage> = {}): SentMessage {
  return {
    uuid: uuid(n),
    group: 0,
    authId: 'MA1',
    src: '18005550100',
    dst: `1202555000${n}`,
    carrier: 'att',
    units: 1,
    expirySeconds: null,
    callback: true,
    phase: 0,
    scheduledAt: T,
    acceptedAt: T + 10,
    ...overrides,
  };
}

function row(n: number, state: string, overrides: Partial<MessageRow> = {}): MessageRow {
  return { uuid: uuid(n), state, errorCode: '000', units: 1, totalAmount: 0.005, messageTime: T + 5, sentAt: null, deliveryReportAt: null, updatedAt: T, hasCallback: true, ...overrides };
}

function submission(seq: number, dst: string, at: number, overrides: Partial<Submission> = {}): Submission {
  return { seq, receivedAt: at, carrierMessageId: `c${seq}`, source: '18005550100', destination: dst, carrier: 'att', textSha256: `h-${dst}`, ...overrides };
}

function callback(n: number, sequence: number, status: string, at: number): ReceivedCallback {
  return { messageUuid: uuid(n), status, sequence, errorCode: '000', receivedAt: at, signed: true };
}

const mps: ExpectedQuota = { id: 'mps:MA1', kind: 'account_mps', group: 'g', label: 'account MA1 1/s', limit: 1, windowMs: 1_000, sources: ['18005550100'], carrier: null };

function input(overrides: Partial<AnalysisInput>): AnalysisInput {
  return { sent: [], http: new LogHistogram(), phases: 1, rows: [], events: [], submissions: [], callbacks: [], quotas: [], ...overrides };
}

describe('analyse', () => {
  it('finds nothing wrong in a clean run, and measures each stage', () => {
    const result = analyse(
      input({
        sent: [sent(1)],
        rows: [row(1, 'delivered', { deliveryReportAt: T + 300 })],
        events: [1, 2, 3].map((sequence) => ({ uuid: uuid(1), sequence, state: 'x', occurredAt: T })),
        submissions: [submission(1, '12025550001', T + 110)],
        callbacks: [callback(1, 1, 'queued', T + 20), callback(1, 2, 'sent', T + 200), callback(1, 3, 'delivered', T + 400)],
        quotas: [mps],
      }),
    );
    expect(result.lost.count).toBe(0);
    expect(result.duplicates).toEqual({ groups: 0, extraSubmissions: 0 });
    expect(result.callbacks).toEqual({ owed: 3, received: 3, missing: 0, duplicated: 0, unexpected: 0, signed: 3 });
    expect(result.quotas[0]).toMatchObject({ total: 1, maxInWindow: 1, violation: null, demand: 1 });
    expect(result.stages.acceptToSubmit.max).toBeCloseTo(100, 0);
    expect(result.stages.submitToReceipt.max).toBeCloseTo(190, 0);
    expect(result.stages.receiptToCallback.max).toBeCloseTo(100, 0);
    expect(result.stages.acceptToFinalCallback.max).toBeCloseTo(390, 0);
  });

  it('measures accept → final callback for each phase apart (a warm-up phase does not colour the next)', () => {
    const result = analyse(
      input({
        phases: 2,
        sent: [sent(1, { phase: 0 }), sent(2, { phase: 1 }), sent(3, { phase: 1 })],
        rows: [row(1, 'delivered'), row(2, 'delivered'), row(3, 'undelivered')],
        callbacks: [callback(1, 3, 'delivered', T + 3_010), callback(2, 3, 'delivered', T + 110), callback(3, 2, 'sent', T + 60), callback(3, 3, 'undelivered', T + 210)],
      }),
    );
    expect(result.phaseAcceptToFinalCallback.map((h) => h.count)).toEqual([1, 2]);
    expect(result.phaseAcceptToFinalCallback[0]?.max).toBeCloseTo(3_000, 0);
    expect(result.phaseAcceptToFinalCallback[1]?.max).toBeCloseTo(200, 0);
    expect(result.phaseAcceptToFinalCallback[1]?.min).toBeCloseTo(100, 0);
    expect(result.stages.acceptToFinalCallback.count).toBe(3);
  });

  it('counts lost messages, duplicates, refused submissions and rows without a 202', () => {
    const result = analyse(
      input({
        sent: [sent(1), sent(2), sent(3), sent(4)],
        rows: [row(1, 'delivered'), row(2, 'queued'), row(3, 'sent'), row(9, 'queued')],
        submissions: [
          submission(1, '12025550001', T + 100, { status: 'throttled' }),
          submission(2, '12025550001', T + 2_100),
          submission(3, '12025550001', T + 4_100),
          submission(4, '12025550003', T + 6_100),
          // Another run's traffic is not ours to judge.
          submission(5, '12125559999', T + 100),
        ],
      }),
    );
    expect(result.lost).toEqual({ count: 3, byState: { queued: 1, sent: 1, missing_row: 1 }, sample: [uuid(2), uuid(3), uuid(4)] });
    expect(result.acceptedWithout202).toBe(1);
    expect(result.duplicates).toEqual({ groups: 1, extraSubmissions: 1 });
    expect(result.carrier).toEqual({ accepted: 3, throttled: 1, rejected: 0, unanswered: 0, partsMissing: 0, partsMissingSample: [], recorded: 5 });
  });

  it('finds callbacks missing, repeated or never owed', () => {
    const result = analyse(
      input({
        sent: [sent(1)],
        rows: [row(1, 'delivered')],
        events: [1, 2, 3].map((sequence) => ({ uuid: uuid(1), sequence, state: 'x', occurredAt: T })),
        callbacks: [callback(1, 1, 'queued', T), callback(1, 1, 'queued', T + 1), callback(1, 2, 'sent', T), callback(7, 1, 'queued', T)],
      }),
    );
    expect(result.callbacks).toMatchObject({ owed: 3, received: 4, missing: 1, duplicated: 1, unexpected: 1 });
  });

  it('flags a window over its quota, a daily cap failed early, and a message sent after its expiry', () => {
    const tpd: ExpectedQuota = { id: 'tpd:b', kind: 'tmobile_tpd', group: 'g', label: 'TPD 5', limit: 5, windowMs: 0, sources: ['18005550100'], carrier: 'tmobile' };
    const result = analyse(
      input({
        sent: [sent(1), sent(2, { expirySeconds: 5 }), sent(3, { carrier: 'tmobile', dst: '13035550003' }), sent(4, { carrier: 'tmobile', dst: '13035550004' })],
        rows: [row(1, 'delivered'), row(2, 'delivered'), row(3, 'delivered'), row(4, 'failed', { errorCode: '480', totalAmount: 0 })],
        submissions: [
          submission(1, '12025550001', T + 1_000),
          submission(2, '12025550002', T + 1_999 + 5_000),
          submission(3, '13035550003', T + 1_999, { carrier: 'tmobile' }),
        ],
        quotas: [mps, tpd],
      }),
    );
    const [account, daily] = result.quotas;
    // 1,000 and 1,999 are less than a second apart: two in one window of a 1/s quota.
    expect(account).toMatchObject({ maxInWindow: 2, violation: expect.stringContaining('2 in 1000 ms') });
    expect(daily).toMatchObject({ total: 1, violation: '1 failed at the daily cap after only 1 of 5', backlogged: true, utilisation: 0.2 });
    expect(result.expiry.submittedAfterExpiry).toBe(1);
    expect(result.tmobileCap).toEqual({ failed: 1, charged: 0 });
  });

  it('calls a quota backlogged only when more was offered than it could carry while arrivals lasted', () => {
    const many = Array.from({ length: 10 }, (_, i) => sent(i + 1, { acceptedAt: T + i * 10 }));
    const result = analyse(
      input({
        sent: many,
        rows: many.map((_, i) => row(i + 1, 'delivered')),
        submissions: many.map((m, i) => submission(i + 1, m.dst, T + i * 1_000)),
        quotas: [mps],
      }),
    );
    expect(result.quotas[0]).toMatchObject({ demand: 10, total: 10, maxInWindow: 1, backlogged: true, utilisation: 1, violation: null });
  });
});
