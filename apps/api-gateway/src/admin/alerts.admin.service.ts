// Operator alerts as the admin API shows them: newest first, with what became of their delivery.
import { Injectable } from '@nestjs/common';
import { OpsAlertRecord, OpsAlertRepository } from '@sluice/persistence';
import { page } from './admin.views';

export interface AlertQuery {
  readonly accountId?: string | undefined;
  readonly kind?: string | undefined;
  readonly limit: number;
  readonly offset: number;
}

export const alertView = (a: OpsAlertRecord) => ({
  alert_id: a.alertId,
  kind: a.kind,
  account_id: a.accountId,
  detected_at: a.detectedAt.toISOString(),
  summary: a.summary,
  details: a.details,
  delivery_state: a.state,
  attempts: a.attempts,
  next_attempt_at: a.nextAttemptAt?.toISOString() ?? null,
  delivered_at: a.deliveredAt?.toISOString() ?? null,
  last_error: a.lastError,
  recorded_at: a.createdAt.toISOString(),
});

@Injectable()
export class AlertsAdminService {
  constructor(private readonly alerts: OpsAlertRepository) {}

  async list(query: AlertQuery) {
    const { alerts, total } = await this.alerts.list(query);
    return page(alerts.map(alertView), total, query.limit, query.offset);
  }
}
