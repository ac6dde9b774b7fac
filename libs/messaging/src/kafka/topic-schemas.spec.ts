import { DeadLetterReason, MessageErrorCode, MessageState, SmsStatusPayload, Topic } from '@sluice/contracts';
import { decodeRecord } from './topic-schemas';

const status: SmsStatusPayload = {
  messageUuid: 'b0b5a1f2-56f4-4c53-8d43-1f7f8e0c2f11',
  accountId: 'MATEST00000000000000',
  state: MessageState.Delivered,
  errorCode: MessageErrorCode.Ok,
  sequence: 3,
  occurredAt: 1_764_000_000_000,
};
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('decodeRecord', () => {
  it('returns a valid payload, keeping fields a newer producer added', () => {
    expect(decodeRecord(Topic.SmsStatus, bytes({ ...status, addedLater: 'x' }))).toEqual({ ok: true, payload: { ...status, addedLater: 'x' } });
  });

  it('rejects a record with no value', () => {
    expect(decodeRecord(Topic.SmsStatus, null)).toEqual({ ok: false, reason: DeadLetterReason.InvalidJson, detail: 'the record has no value' });
    expect(decodeRecord(Topic.SmsStatus, Buffer.alloc(0))).toEqual({ ok: false, reason: DeadLetterReason.InvalidJson, detail: 'the record has no value' });
  });

  it('rejects a value that is not JSON, without quoting it', () => {
    const decoded = decodeRecord(Topic.SmsSubmitted, bytes('call 14155550123 now'));
    expect(decoded).toMatchObject({ ok: false, reason: DeadLetterReason.InvalidJson });
    expect(!decoded.ok && decoded.detail).toMatch(/^not JSON/);
    expect(!decoded.ok && decoded.detail).not.toContain('14155550123');
  });

  it('names each field that does not match the payload schema, without quoting values', () => {
    const { sequence: _sequence, ...withoutSequence } = status;
    const decoded = decodeRecord(Topic.SmsStatus, bytes({ ...withoutSequence, state: '14155550123', occurredAt: 'yesterday' }));
    expect(decoded).toMatchObject({ ok: false, reason: DeadLetterReason.InvalidPayload });
    const detail = decoded.ok ? '' : decoded.detail;
    expect(detail).toContain('state: must be one of queued, sent, delivered, undelivered, failed, received');
    expect(detail).toContain('sequence: Invalid input: expected number, received undefined');
    expect(detail).toContain('occurredAt: Invalid input: expected number, received string');
    expect(detail).not.toContain('14155550123');
  });

  it('rejects JSON that is not an object, and checks each topic against its own schema', () => {
    expect(decodeRecord(Topic.SmsStatus, bytes('42'))).toEqual({ ok: false, reason: DeadLetterReason.InvalidPayload, detail: '(the value): Invalid input: expected object, received number' });
    expect(decodeRecord(Topic.SmsSubmitted, bytes(status))).toMatchObject({ ok: false, reason: DeadLetterReason.InvalidPayload });
  });
});
