// Raises the operator alerts of the gateway's fraud controls (country thresholds, spending limits) on ops.alerts.v1.
import { Injectable, Logger } from '@nestjs/common';
import { OpsAlertKind, OpsAlertPayload, Topic } from '@sluice/contracts';
import { formatPrice, type CountryThreshold, type SpendAlertLevel } from '@sluice/domain';
import { KafkaProducer } from '@sluice/messaging';
import { FraudControlsRepository } from '@sluice/persistence';

@Injectable()
export class ControlAlerts {
  private readonly logger = new Logger(ControlAlerts.name);
  /** Spend alerts this replica knows are raised, so it does not ask Postgres again on every send. */
  private readonly raised = new Set<string>();

  constructor(
    private readonly producer: KafkaProducer,
    private readonly repository: FraudControlsRepository,
  ) {}

  /**
   * The one request per hour window that passed the threshold raises it. The id names the
   * window, so a receiver drops a repeat.
   */
  countryThreshold(accountId: string, threshold: CountryThreshold, hourStart: number, counted: number, detectedAt: number): void {
    const action = threshold.action === 'block' ? 'further messages fail with 451 until the block ends' : 'messages still go';
    void this.publish({
      alertId: `country_threshold:${accountId}:${threshold.country}:${new Date(hourStart).toISOString()}`,
      kind: OpsAlertKind.CountryThreshold,
      accountId,
      detectedAt,
      summary: `Account ${accountId} passed its threshold of ${threshold.messagesPerHour} messages per hour to ${threshold.country} (action ${threshold.action}: ${action}).`,
      details: {
        country: threshold.country,
        messages_per_hour: threshold.messagesPerHour,
        action: threshold.action,
        counted,
        hour_start: new Date(hourStart).toISOString(),
      },
    });
  }

  /** Once per account, month and level: the first replica to record it in Postgres publishes it. Never throws. */
  async spendLimit(accountId: string, month: string, level: SpendAlertLevel, limit: number, spent: number, detectedAt: number): Promise<void> {
    const id = `spend_limit:${accountId}:${month.slice(0, 7)}:${level}`;
    if (this.raised.has(id)) return;
    const claimed = await this.repository.claimSpendAlert(accountId, month, level).catch((error: unknown) => {
      this.logger.error({ err: error, alertId: id }, 'spend alert not recorded; a later send retries it');
      return null;
    });
    if (claimed === null) return;
    if (!claimed) {
      this.remember(id);
      return;
    }
    const published = await this.publish({
      alertId: id,
      kind: OpsAlertKind.SpendLimit,
      accountId,
      detectedAt,
      summary:
        level === 100
          ? `Account ${accountId} reached its monthly spending limit of ${formatPrice(limit)}: further charged messages fail with 490 this month.`
          : `Account ${accountId} reached ${level} % of its monthly spending limit of ${formatPrice(limit)}.`,
      details: { level, limit: formatPrice(limit), spent: formatPrice(spent), month: month.slice(0, 7) },
    });
    // Not published: give the claim back, so a later send raises it.
    if (published) this.remember(id);
    else await this.repository.releaseSpendAlert(accountId, month, level).catch(() => undefined);
  }

  private async publish(alert: OpsAlertPayload): Promise<boolean> {
    try {
      await this.producer.publish(Topic.OpsAlerts, [alert]);
      return true;
    } catch (error: unknown) {
      this.logger.error({ err: error, alertId: alert.alertId }, 'operator alert not published');
      return false;
    }
  }

  private remember(id: string): void {
    if (this.raised.size >= 10_000) this.raised.clear();
    this.raised.add(id);
  }
}
