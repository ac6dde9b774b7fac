import type { ClaimedDelivery } from '@sluice/persistence';
import { validateV3Signature } from 'plivo';
import { buildCallbackRequest, callbackParams } from './callback-request';
import { NONCE_HEADER, SIGNATURE_HEADER } from './plivo-signature';

function delivery(status: ClaimedDelivery['status'], overrides: Partial<ClaimedDelivery['message']> = {}): ClaimedDelivery {
  return {
    id: '1',
    kind: 'status',
    inbound: null,
    contentKey: null,
    claims: 1,
    messageUuid: '0b0c5a52-5f0e-4c9c-9a6e-3f1d2c3b4a59',
    sequence: 2,
    accountId: 'MA0123456789ABCDEFGH',
    status,
    errorCode: '000',
    occurredAt: new Date('2025-11-20T10:00:01Z'),
    url: 'https://example.com/cb',
    method: 'POST',
    destination: 'https://example.com',
    retryDelaysMs: [],
    attempts: 0,
    authTokenEncrypted: null,
    message: {
      fromNumber: '14155550100',
      toNumber: '12025550***',
      messageType: 'sms',
      units: 2,
      totalRate: '0.00500',
      totalAmount: '0.01000',
      mcc: null,
      mnc: null,
      messageTime: new Date('2025-11-20T10:00:00.123Z'),
      queuedAt: new Date('2025-11-20T10:00:00.123Z'),
      sentAt: new Date('2025-11-20T10:00:01Z'),
      deliveryReportAt: new Date('2025-11-20T10:00:02Z'),
      powerpackUuid: null,
      ...overrides,
    },
  };
}

describe('callback fields', () => {
  it("carries Plivo's fields, with times as at the status change", () => {
    expect(callbackParams(delivery('sent'))).toEqual({
      From: '14155550100',
      To: '12025550***',
      MessageUUID: '0b0c5a52-5f0e-4c9c-9a6e-3f1d2c3b4a59',
      Status: 'sent',
      Units: '2',
      TotalRate: '0.00500',
      TotalAmount: '0.01000',
      ErrorCode: '000',
      MCC: '',
      MNC: '',
      Type: 'sms',
      Sequence: '2',
      MessageTime: '2025-11-20 10:00:00.123000+00:00',
      QueuedTime: '2025-11-20 10:00:00.123000+00:00',
      SentTime: '2025-11-20 10:00:01.000000+00:00',
      DeliveryReportTime: '',
      ParentMessageUUID: '0b0c5a52-5f0e-4c9c-9a6e-3f1d2c3b4a59',
      PartInfo: '1 of 1',
      PowerpackUUID: '',
    });
    expect(callbackParams(delivery('queued'))).toMatchObject({ SentTime: '', DeliveryReportTime: '' });
    expect(callbackParams(delivery('delivered'))).toMatchObject({ DeliveryReportTime: '2025-11-20 10:00:02.000000+00:00' });
    expect(callbackParams(delivery('sent', { powerpackUuid: 'a1b2c3d4-0000-4000-8000-000000000001' }))).toMatchObject({
      PowerpackUUID: 'a1b2c3d4-0000-4000-8000-000000000001',
    });
  });
});

describe('callback request', () => {
  const params = { Status: 'delivered', To: '12025550***', MessageTime: '2025-11-20 10:00:00.123000+00:00' };

  it('POSTs the fields form-encoded with a signature the SDK accepts', () => {
    const request = buildCallbackRequest(new URL('https://example.com/cb?acct=7#frag'), 'POST', params, 'token-1234');
    expect(request.method).toBe('POST');
    expect(request.url.href).toBe('https://example.com/cb?acct=7');
    expect(Object.fromEntries(new URLSearchParams(request.body ?? ''))).toEqual(params);
    const ok = validateV3Signature('POST', request.url.href, request.headers[NONCE_HEADER] ?? '', 'token-1234', request.headers[SIGNATURE_HEADER] ?? '', params);
    expect(ok).toBe(true);
  });

  it("GETs with the fields appended to the url's own query, signed", () => {
    const request = buildCallbackRequest(new URL('https://example.com/cb?acct=7'), 'GET', params, 'token-1234');
    expect(request.body).toBeNull();
    expect(request.url.searchParams.get('acct')).toBe('7');
    expect(request.url.searchParams.get('Status')).toBe('delivered');
    expect(request.url.searchParams.get('MessageTime')).toBe(params.MessageTime);
    const ok = validateV3Signature('GET', request.url.href, request.headers[NONCE_HEADER] ?? '', 'token-1234', request.headers[SIGNATURE_HEADER] ?? '');
    expect(ok).toBe(true);
  });

  it('carries no signature headers without a token', () => {
    const request = buildCallbackRequest(new URL('https://example.com/cb'), 'POST', params, null);
    expect(request.headers[SIGNATURE_HEADER]).toBeUndefined();
    expect(request.headers[NONCE_HEADER]).toBeUndefined();
  });
});
