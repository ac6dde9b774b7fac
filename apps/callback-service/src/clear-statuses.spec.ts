import { CallbackMethod, MessageErrorCode, MessageState, MessageType, SmsStatusPayload } from '@sluice/contracts';
import { CallbackKind, ClaimCapacity, ClaimedDelivery } from '@sluice/persistence';
import { acceptedTemplate, ClearCandidate, clearDelivery, firstAppearance, newStatuses, statusKey, takeWithin } from './clear-statuses';

const record = { totalRate: '0.00500', totalAmount: '0.00500', mcc: '310', mnc: '260', sentAt: 1_700_000_001_000, deliveryReportAt: null };

function event(messageUuid: string, sequence: number, state: MessageState, withRecord = true): SmsStatusPayload {
  return { messageUuid, accountId: 'MA1', state, errorCode: MessageErrorCode.Ok, sequence, occurredAt: 1_700_000_000_000 + sequence, ...(withRecord ? { record } : {}) };
}

const template: ClaimedDelivery = {
  id: null,
  kind: CallbackKind.Status,
  claims: 0,
  messageUuid: 'm1',
  sequence: 1,
  accountId: 'MA1',
  status: MessageState.Queued,
  errorCode: MessageErrorCode.Ok,
  occurredAt: new Date(1_700_000_000_000),
  url: 'https://example.com/status',
  method: 'POST',
  destination: 'example.com',
  retryDelaysMs: [1_000],
  attempts: 0,
  authTokenEncrypted: 'sealed',
  inbound: null,
  contentKey: Buffer.from('key'),
  message: {
    fromNumber: '+14155550100',
    toNumber: '+12025550123',
    messageType: MessageType.Sms,
    units: 1,
    totalRate: '0.00500',
    totalAmount: '0.00500',
    mcc: null,
    mnc: null,
    messageTime: new Date(1_700_000_000_000),
    queuedAt: new Date(1_700_000_000_000),
    sentAt: null,
    deliveryReportAt: null,
    powerpackUuid: null,
  },
};

function candidate(messageUuid: string, destination: string, occurredAt: number): ClearCandidate {
  const e = { ...event(messageUuid, 2, MessageState.Sent), occurredAt, record };
  return { messageUuid, destination, template: { ...template, messageUuid }, events: [e] };
}

const capacity = (over: Partial<ClaimCapacity> = {}): ClaimCapacity => ({
  limit: 10,
  excluded: [],
  limited: new Map(),
  perDestination: 2,
  leaseMs: 30_000,
  leasedHere: [],
  ...over,
});

describe('newStatuses', () => {
  const batch = new Map([event('m1', 2, MessageState.Sent), event('m1', 3, MessageState.Delivered)].map((e) => [statusKey(e.messageUuid, e.sequence), e]));

  it('answers every status after the recorded one, in sequence order', () => {
    expect(newStatuses(batch, 'm1', 1, 3)?.map((e) => e.sequence)).toEqual([2, 3]);
    expect(newStatuses(batch, 'm1', 2, 3)?.map((e) => e.sequence)).toEqual([3]);
  });

  it('answers null when one of them is not in the batch', () => {
    expect(newStatuses(batch, 'm1', 0, 3)).toBeNull();
  });

  it('answers null when one of them has no record', () => {
    const old = new Map([event('m1', 2, MessageState.Sent, false)].map((e) => [statusKey(e.messageUuid, e.sequence), e]));
    expect(newStatuses(old, 'm1', 1, 2)).toBeNull();
  });
});

describe('takeWithin', () => {
  it('takes the oldest first within each destination allowance and the pool limit, and leaves the statement the rest', () => {
    const candidates = [candidate('c', 'a.example', 30), candidate('a', 'a.example', 10), candidate('b', 'a.example', 20), candidate('d', 'b.example', 40)];
    const { taken, left, capacity: rest } = takeWithin(candidates, capacity({ limit: 3 }));
    expect(taken.map((c) => c.messageUuid)).toEqual(['a', 'b', 'd']);
    expect(left.map((c) => c.messageUuid)).toEqual(['c']);
    expect(rest.limit).toBe(0);
    expect(rest.limited.get('a.example')).toBe(0);
    expect(rest.limited.get('b.example')).toBe(1);
  });

  it('never takes from an excluded destination, and keeps a smaller allowance', () => {
    const candidates = [candidate('a', 'a.example', 10), candidate('b', 'b.example', 20), candidate('c', 'b.example', 30)];
    const { taken, left, capacity: rest } = takeWithin(candidates, capacity({ excluded: ['a.example'], limited: new Map([['b.example', 1]]) }));
    expect(taken.map((c) => c.messageUuid)).toEqual(['b']);
    expect(left.map((c) => c.messageUuid)).toEqual(['a', 'c']);
    expect(rest.limit).toBe(9);
    expect(rest.limited.get('b.example')).toBe(0);
    expect(rest.excluded).toEqual(['a.example']);
  });

  it('takes nothing when the pool is full', () => {
    const { taken, left } = takeWithin([candidate('a', 'a.example', 10)], capacity({ limit: 0 }));
    expect(taken).toEqual([]);
    expect(left).toHaveLength(1);
  });
});

describe('clearDelivery', () => {
  it('is the status before with the event status, time and record, without a row, attempts or content key', () => {
    const delivery = clearDelivery(template, { ...event('m1', 2, MessageState.Sent), record });
    expect(delivery).toMatchObject({ id: null, claims: 0, attempts: 0, sequence: 2, status: MessageState.Sent, contentKey: null, url: template.url, authTokenEncrypted: 'sealed' });
    expect(delivery.occurredAt).toEqual(new Date(1_700_000_000_002));
    expect(delivery.message).toEqual({ ...template.message, mcc: '310', mnc: '260', sentAt: new Date(1_700_000_001_000), deliveryReportAt: null });
  });
});

describe('first statuses from their events', () => {
  const accepted = { callbackUrl: 'https://example.com/status?x=1', callbackMethod: CallbackMethod.Get, from: '14155550100', to: '1202555XXXX', type: MessageType.Sms, units: 2, powerpackUuid: null };
  const acceptedRecord = { totalRate: '0.00500', totalAmount: '0.01000', mcc: null, mnc: null, sentAt: null, deliveryReportAt: null };
  const queued: SmsStatusPayload = { ...event('m1', 1, MessageState.Queued), record: acceptedRecord, accepted };
  const batchOf = (...events: SmsStatusPayload[]) => new Map(events.map((e) => [statusKey(e.messageUuid, e.sequence), e]));

  it('takes the first status only as its acceptance published it, and only when no handler had it before', () => {
    expect(firstAppearance(batchOf(queued), 'm1', new Set([queued]))).toEqual(queued);
    // Given to a handler before (a rebalance, a redelivery).
    expect(firstAppearance(batchOf(queued), 'm1', new Set())).toBeNull();
    // The outbox sweep's copy carries neither the acceptance fields nor the record.
    const swept = event('m1', 1, MessageState.Queued, false);
    expect(firstAppearance(batchOf(swept), 'm1', new Set([swept]))).toBeNull();
    const withoutAccepted = { ...queued, accepted: null };
    expect(firstAppearance(batchOf(withoutAccepted), 'm1', new Set([withoutAccepted]))).toBeNull();
    // A later status alone tells nothing of the first.
    const sent = event('m1', 2, MessageState.Sent);
    expect(firstAppearance(batchOf(sent), 'm1', new Set([sent]))).toBeNull();
  });

  it("builds the first status's delivery from its event and the account's settings", () => {
    const first = firstAppearance(batchOf(queued), 'm1', new Set([queued]));
    if (!first) throw new Error('no first status');
    const delivery = acceptedTemplate(first, 'https://example.com/status?x=1', 'https://example.com', { authTokenEncrypted: 'sealed', retryDelaysMs: null }, [5_000]);
    // The fixture's delivery, but for what this message and account have of their own.
    const acceptedAt = new Date(queued.occurredAt);
    expect(delivery).toEqual({
      ...template,
      occurredAt: acceptedAt,
      url: 'https://example.com/status?x=1',
      method: CallbackMethod.Get,
      destination: 'https://example.com',
      retryDelaysMs: [5_000],
      contentKey: null,
      message: { ...template.message, fromNumber: '14155550100', toNumber: '1202555XXXX', units: 2, totalAmount: '0.01000', messageTime: acceptedAt, queuedAt: acceptedAt },
    });
    // The account's own schedule wins over the service's.
    expect(acceptedTemplate(first, 'https://example.com/status?x=1', 'https://example.com', { authTokenEncrypted: null, retryDelaysMs: [100, 200] }, [5_000]).retryDelaysMs).toEqual([100, 200]);
  });
});
