// Prometheus metrics of operator alerts in the callback-service.
import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from '@sluice/observability';

export const OpsAlertOutcome = {
  Delivered: 'delivered',
  /** Retries exhausted or the webhook address refused. */
  Failed: 'failed',
  /** No ALERT_WEBHOOK_URL: recorded and logged only. */
  NotConfigured: 'not_configured',
} as const;
export type OpsAlertOutcome = (typeof OpsAlertOutcome)[keyof typeof OpsAlertOutcome];

@Injectable()
export class OpsAlertMetrics {
  /** Counted once per alert, when its delivery is settled. */
  readonly alerts;

  constructor(metrics: MetricsRegistry) {
    this.alerts = metrics.counter('ops_alerts_total', 'Operator alerts by kind and what became of their delivery', ['kind', 'outcome']);
  }
}
