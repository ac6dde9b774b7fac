import { ConfigError, loadConfig } from '@sluice/config';
import { OpsAlertKind } from '@sluice/contracts';
import type { ClaimedOpsAlert } from '@sluice/persistence';
import { createHmac } from 'node:crypto';
import { callbackEnv } from '../callback.config';
import { AttemptKind } from '../retry-policy';
import { nextAfterAlertAttempt } from './ops-alert-delivery.worker';
import { buildOpsAlertRequest, opsAlertBody } from './ops-alert-request';
import { opsAlertSignature, verifyOpsAlertSignature } from './ops-alert-signature';

const SECRET = 'a-webhook-secret-of-32-characters';
const alert: ClaimedOpsAlert = {
  alertId: '3b7f1c2e-0000-4000-8000-000000000001',
  kind: OpsAlertKind.RateSpike,
  accountId: 'MAAAAAAAAAAAAAAAAAAA',
  detectedAt: new Date('2025-11-28T10:00:00.000Z'),
  summary: 'Account MAAAAAAAAAAAAAAAAAAA sent 600 messages in the last minute.',
  details: { perMinute: 600, baselinePerMinute: 20 },
  attempts: 0,
  claims: 1,
};

describe('ops alert signature', () => {
  it('is v1= and the hex HMAC-SHA256 of "timestamp.body" under the secret', () => {
    const expected = createHmac('sha256', SECRET).update('1764324000.{"a":1}').digest('hex');
    expect(opsAlertSignature(SECRET, 1764324000, '{"a":1}')).toBe(`v1=${expected}`);
  });

  it('verifies the request the worker builds, as a receiver would', () => {
    const request = buildOpsAlertRequest(new URL('https://ops.example.com/hook'), SECRET, alert, 1_764_324_000_500);
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['X-Sluice-Timestamp']).toBe('1764324000');
    expect(JSON.parse(request.body ?? '')).toEqual({
      alert_id: alert.alertId,
      kind: 'rate_spike',
      account_id: alert.accountId,
      detected_at: '2025-11-28T10:00:00.000Z',
      summary: alert.summary,
      details: { perMinute: 600, baselinePerMinute: 20 },
    });
    const check = { secret: SECRET, body: request.body ?? '', signature: request.headers['X-Sluice-Signature'], timestamp: request.headers['X-Sluice-Timestamp'], nowSeconds: 1_764_324_010 };
    expect(verifyOpsAlertSignature(check)).toBe(true);
    expect(verifyOpsAlertSignature({ ...check, secret: `${SECRET}x` })).toBe(false);
    expect(verifyOpsAlertSignature({ ...check, body: check.body.replace('600', '601') })).toBe(false);
    expect(verifyOpsAlertSignature({ ...check, timestamp: '1764324001' })).toBe(false);
    expect(verifyOpsAlertSignature({ ...check, signature: undefined })).toBe(false);
  });

  it('refuses a delivery whose timestamp is outside the tolerance (a replay)', () => {
    const body = opsAlertBody(alert);
    const signature = opsAlertSignature(SECRET, 1_000_000, body);
    expect(verifyOpsAlertSignature({ secret: SECRET, body, signature, timestamp: '1000000', nowSeconds: 1_000_300 })).toBe(true);
    expect(verifyOpsAlertSignature({ secret: SECRET, body, signature, timestamp: '1000000', nowSeconds: 1_000_301 })).toBe(false);
  });
});

describe('ops alert retries', () => {
  const delays = [100, 200];

  it('retries failures on the schedule, then gives up', () => {
    expect(nextAfterAlertAttempt(AttemptKind.HttpError, 1, delays)).toEqual({ state: 'pending', delayMs: 100 });
    expect(nextAfterAlertAttempt(AttemptKind.Timeout, 2, delays)).toEqual({ state: 'pending', delayMs: 200 });
    expect(nextAfterAlertAttempt(AttemptKind.NetworkError, 3, delays)).toEqual({ state: 'failed' });
  });

  it('stops at success and at a refused address', () => {
    expect(nextAfterAlertAttempt(AttemptKind.Success, 1, delays)).toEqual({ state: 'delivered' });
    expect(nextAfterAlertAttempt(AttemptKind.Refused, 1, delays)).toEqual({ state: 'failed' });
  });
});

describe('ops alert configuration', () => {
  const BASE = { PORT: '8083', DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db', KAFKA_BROKERS: '127.0.0.1:9092' };
  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig('callback-service', callbackEnv, { ...BASE, ...env });
      return '';
    } catch (error: unknown) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
  };

  it('has no webhook by default and a bounded retry schedule', () => {
    const config = loadConfig('callback-service', callbackEnv, BASE);
    expect(config.ALERT_WEBHOOK_URL).toBeUndefined();
    expect(config.ALERT_RETRY_DELAYS_MS).toEqual([10_000, 60_000, 300_000, 900_000]);
    expect(config.ALERT_ALLOWED_HOSTS.entries).toEqual([]);
  });

  it('stops with a sentence when the webhook has no secret, a short secret or a bad URL', () => {
    expect(problems({ ALERT_WEBHOOK_URL: 'https://ops.example.com/hook' })).toMatch(/ALERT_WEBHOOK_SECRET: is required when ALERT_WEBHOOK_URL is set/);
    expect(problems({ ALERT_WEBHOOK_URL: 'https://ops.example.com/hook', ALERT_WEBHOOK_SECRET: 'short' })).toMatch(/ALERT_WEBHOOK_SECRET: must be at least 16 characters/);
    expect(problems({ ALERT_WEBHOOK_URL: 'ftp://ops.example.com', ALERT_WEBHOOK_SECRET: SECRET })).toMatch(/ALERT_WEBHOOK_URL: must be an http/);
    expect(problems({ ALERT_WEBHOOK_URL: 'https://ops.example.com/hook', ALERT_WEBHOOK_SECRET: SECRET })).toBe('');
  });
});
