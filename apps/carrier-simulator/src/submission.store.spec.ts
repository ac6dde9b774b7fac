import { maxInWindow, NewSubmission, SubmissionStore } from './submission.store';

let nextId = 0;
function submission(overrides: Partial<NewSubmission> = {}): NewSubmission {
  nextId += 1;
  return {
    receivedAt: 1_000,
    carrierMessageId: `id${nextId}`,
    systemId: 'sluice',
    source: '12025550100',
    destination: '12015550100',
    carrier: 'att',
    mcc: '310',
    mnc: '410',
    dataCoding: 0,
    textSha256: 'a'.repeat(64),
    ...overrides,
  };
}

describe('maxInWindow', () => {
  it('is 0 for no submissions and 1 for one', () => {
    expect(maxInWindow([], 1000)).toBe(0);
    expect(maxInWindow([5], 1000)).toBe(1);
  });

  it('counts times less than a window apart together, a full window apart separately', () => {
    expect(maxInWindow([0, 999], 1000)).toBe(2);
    expect(maxInWindow([0, 1000], 1000)).toBe(1);
  });

  it('finds the busiest sliding window, not the busiest fixed one', () => {
    // Fixed one-second buckets see 3 and 3; the window [900, 1900) holds 5.
    const times = [100, 900, 950, 1000, 1050, 1800, 2500];
    expect(maxInWindow(times, 1000)).toBe(5);
  });

  it('does not depend on arrival order', () => {
    expect(maxInWindow([1050, 100, 1000, 950, 900, 2500, 1800], 1000)).toBe(5);
  });

  it('matches a brute force count on random times', () => {
    for (let run = 0; run < 50; run += 1) {
      const times = Array.from({ length: 60 }, () => Math.floor(Math.random() * 5_000));
      const windowMs = 1 + Math.floor(Math.random() * 1_500);
      const brute = Math.max(0, ...times.map((s) => times.filter((t) => t >= s && t < s + windowMs).length));
      expect(maxInWindow(times, windowMs)).toBe(brute);
    }
  });
});

describe('SubmissionStore', () => {
  it('numbers submissions and finds them by carrier id', () => {
    const store = new SubmissionStore();
    const a = store.add(submission());
    const b = store.add(submission());
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(store.get(b.carrierMessageId)).toBe(b);
  });

  it('counts per filter with the busiest window', () => {
    const store = new SubmissionStore();
    for (const t of [0, 200, 400, 1_300]) store.add(submission({ receivedAt: t, carrier: 'att' }));
    for (const t of [100, 150]) store.add(submission({ receivedAt: t, carrier: 'tmobile', source: '18005550100' }));
    expect(store.count({}, 1_000)).toEqual({ total: 6, maxInWindow: 5 });
    expect(store.count({ carrier: 'att' }, 1_000)).toEqual({ total: 4, maxInWindow: 3 });
    expect(store.count({ source: '18005550100' }, 1_000)).toEqual({ total: 2, maxInWindow: 2 });
    expect(store.count({ since: 150, until: 1_300 }, 10_000)).toEqual({ total: 3, maxInWindow: 3 });
  });

  it('lists oldest first up to the limit and counts every match', () => {
    const store = new SubmissionStore();
    for (let i = 0; i < 5; i += 1) store.add(submission({ receivedAt: i }));
    const { total, items } = store.list({}, 2);
    expect(total).toBe(5);
    expect(items.map((s) => s.seq)).toEqual([1, 2]);
  });

  it('keeps only the newest submissions past its capacity', () => {
    const store = new SubmissionStore(3);
    const added = Array.from({ length: 5 }, (_, i) => store.add(submission({ receivedAt: i })));
    expect(store.size).toBe(3);
    expect(store.list({}, 10).items.map((s) => s.seq)).toEqual([3, 4, 5]);
    expect(store.get(added[0].carrierMessageId)).toBeUndefined();
    expect(store.recordReceipt(added[1].carrierMessageId, { status: 'DELIVRD', sentAt: 9 })).toBe(false);
    expect(store.recordReceipt(added[4].carrierMessageId, { status: 'DELIVRD', sentAt: 9 })).toBe(true);
    expect(store.get(added[4].carrierMessageId)?.receipt).toEqual({ status: 'DELIVRD', sentAt: 9 });
  });

  it('groups duplicates by source, destination, text and part', () => {
    const store = new SubmissionStore();
    const one = { textSha256: '1'.repeat(64) };
    store.add(submission(one));
    store.add(submission(one));
    store.add(submission(one));
    // Different part of the same long message, different handset, different text: not duplicates.
    store.add(submission({ ...one, parts: { ref: 7, total: 2, seq: 1 } }));
    store.add(submission({ ...one, parts: { ref: 7, total: 2, seq: 2 } }));
    store.add(submission({ ...one, destination: '12125550100' }));
    store.add(submission({ textSha256: '2'.repeat(64) }));
    // The same part twice is a duplicate.
    store.add(submission({ ...one, parts: { ref: 7, total: 2, seq: 2 } }));

    const report = store.duplicates(10);
    expect(report.groups).toBe(2);
    expect(report.extraSubmissions).toBe(3);
    expect(report.duplicates[0]).toEqual(
      expect.objectContaining({ destination: '12015550100', textSha256: one.textSha256, count: 3 }),
    );
    expect(report.duplicates[0]).not.toHaveProperty('parts');
    expect(report.duplicates[1]).toEqual(expect.objectContaining({ parts: { ref: 7, total: 2, seq: 2 }, count: 2 }));
    expect(report.duplicates[0].carrierMessageIds).toHaveLength(3);
    expect(store.duplicates(1).duplicates).toHaveLength(1);
  });

  it('counts accepted submissions unless asked for another status or all', () => {
    const store = new SubmissionStore();
    for (const t of [0, 100, 200]) store.add(submission({ receivedAt: t }));
    store.add(submission({ receivedAt: 150, status: 'throttled', commandStatus: 0x58 }));
    store.add(submission({ receivedAt: 160, status: 'throttled', commandStatus: 0x58 }));
    store.add(submission({ receivedAt: 170, status: 'rejected', commandStatus: 0x08 }));
    store.add(submission({ receivedAt: 180, status: 'unanswered' }));
    expect(store.count({}, 1_000)).toEqual({ total: 3, maxInWindow: 3 });
    expect(store.count({ status: 'accepted' }, 1_000)).toEqual({ total: 3, maxInWindow: 3 });
    expect(store.count({ status: 'throttled' }, 1_000)).toEqual({ total: 2, maxInWindow: 2 });
    expect(store.count({ status: 'all' }, 1_000)).toEqual({ total: 7, maxInWindow: 7 });
    expect(store.list({ status: 'rejected' }, 10).items.map((s) => s.commandStatus)).toEqual([0x08]);
    expect(store.list({ status: 'unanswered' }, 10).items).toEqual([expect.not.objectContaining({ commandStatus: expect.anything() })]);
    expect(store.list({}, 10).items.every((s) => s.status === undefined)).toBe(true);
  });

  it('does not take a refused submission sent again for a duplicate', () => {
    const store = new SubmissionStore();
    store.add(submission({ status: 'rejected', commandStatus: 0x08 }));
    store.add(submission({ status: 'throttled', commandStatus: 0x58 }));
    store.add(submission());
    expect(store.duplicates(10)).toEqual({ groups: 0, extraSubmissions: 0, duplicates: [] });
    store.add(submission());
    expect(store.duplicates(10).extraSubmissions).toBe(1);
  });

  it('starts over on clear', () => {
    const store = new SubmissionStore();
    const old = store.add(submission());
    store.clear();
    expect(store.size).toBe(0);
    expect(store.get(old.carrierMessageId)).toBeUndefined();
    expect(store.add(submission()).seq).toBe(1);
  });
});
