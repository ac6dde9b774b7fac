// The HTTP request that delivers one alert to the operator's webhook: JSON, signed.
import type { ClaimedOpsAlert } from '@sluice/persistence';
import type { CallbackRequest } from '../callback-request';
import { ALERT_SIGNATURE_HEADER, ALERT_TIMESTAMP_HEADER, opsAlertSignature } from './ops-alert-signature';

export const ALERT_USER_AGENT = 'Sluice-Alert/1.0';

/** The body the webhook receives: snake_case, like the rest of Sluice's JSON. */
export function opsAlertBody(alert: ClaimedOpsAlert): string {
  return JSON.stringify({
    alert_id: alert.alertId,
    kind: alert.kind,
    account_id: alert.accountId,
    detected_at: alert.detectedAt.toISOString(),
    summary: alert.summary,
    details: alert.details,
  });
}

export function buildOpsAlertRequest(url: URL, secret: string, alert: ClaimedOpsAlert, nowMs: number): CallbackRequest {
  const body = opsAlertBody(alert);
  const timestamp = Math.floor(nowMs / 1000);
  return {
    url,
    method: 'POST',
    headers: {
      'user-agent': ALERT_USER_AGENT,
      'content-type': 'application/json',
      [ALERT_TIMESTAMP_HEADER]: String(timestamp),
      [ALERT_SIGNATURE_HEADER]: opsAlertSignature(secret, timestamp, body),
      'X-Sluice-Alert-Id': alert.alertId,
    },
    body,
  };
}
