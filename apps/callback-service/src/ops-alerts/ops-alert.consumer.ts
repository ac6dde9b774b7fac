// Consumes ops.alerts.v1 in a consumer group of its own: each batch becomes rows in
// `ops_alerts` (a replayed alert inserts nothing) and the offsets are committed, so a slow
// or dead webhook never holds a partition.
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OpsAlertPayload, Topic } from '@sluice/contracts';
import { BatchConsumer, KafkaConsumers } from '@sluice/messaging';
import { OpsAlertRepository } from '@sluice/persistence';
import { CALLBACK_CONFIG, CallbackConfig } from '../callback.config';
import { OpsAlertDeliveryWorker } from './ops-alert-delivery.worker';
import { OpsAlertMetrics, OpsAlertOutcome } from './ops-alert.metrics';

/** The topic the alerts are read from: ops.alerts.v1, or a test's private copy of it. */
export const OPS_ALERT_SOURCE = Symbol('OPS_ALERT_SOURCE');

/** The alerts' consumer group: the service's own group with a suffix, so status events and alerts are consumed independently. */
export function opsAlertGroupId(config: CallbackConfig): string {
  return `${config.KAFKA_GROUP_ID}.ops-alerts`;
}

@Injectable()
export class OpsAlertConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OpsAlertConsumer.name);
  private readonly consumer: BatchConsumer<typeof Topic.OpsAlerts>;

  constructor(
    @Inject(CALLBACK_CONFIG) config: CallbackConfig,
    consumers: KafkaConsumers,
    alerts: OpsAlertRepository,
    worker: OpsAlertDeliveryWorker,
    metrics: OpsAlertMetrics,
    @Inject(OPS_ALERT_SOURCE) source: string,
  ) {
    const deliverable = config.ALERT_WEBHOOK_URL !== undefined;
    this.consumer = consumers.create({
      groupId: opsAlertGroupId(config),
      topic: Topic.OpsAlerts,
      ...(source === Topic.OpsAlerts ? {} : { readFrom: source }),
      partitionsConsumedConcurrently: 1,
      handle: async (records) => {
        const payloads = records.map((r) => r.payload).filter((p) => this.storable(p));
        const created = await alerts.record(payloads, deliverable);
        for (const alert of payloads) {
          if (!created.has(alert.alertId)) continue;
          created.delete(alert.alertId);
          const fields = { alertId: alert.alertId, kind: alert.kind, accountId: alert.accountId, detectedAt: new Date(alert.detectedAt).toISOString() };
          if (deliverable) {
            this.logger.log(fields, `ops alert: ${alert.summary}`);
          } else {
            metrics.alerts.inc({ kind: alert.kind, outcome: OpsAlertOutcome.NotConfigured });
            this.logger.warn(fields, `ops alert (no ALERT_WEBHOOK_URL, not delivered): ${alert.summary}`);
          }
        }
        if (deliverable && payloads.length > 0) worker.wake();
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  /** Ids the table cannot hold are logged and skipped (the topic schema checked the rest): retrying them would block the partition forever. */
  private storable(payload: OpsAlertPayload): boolean {
    const ok = payload.alertId.length > 0 && payload.alertId.length <= 200 && payload.accountId.length > 0 && payload.accountId.length <= 20;
    if (!ok) this.logger.warn({ kind: payload.kind }, 'skipped an ops alert whose alert id or account id is too long or empty');
    return ok;
  }
}
