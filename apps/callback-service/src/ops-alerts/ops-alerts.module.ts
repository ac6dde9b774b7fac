// Operator alerts in the callback-service: recorded from ops.alerts.v1, delivered to the operator's webhook.
import { DynamicModule, Module } from '@nestjs/common';
import { Topic } from '@sluice/contracts';
import { OpsAlertRepository } from '@sluice/persistence';
import { DataSource } from 'typeorm';
import { CALLBACK_CONFIG, CallbackConfig } from '../callback.config';
import { OPS_ALERT_SOURCE, OpsAlertConsumer } from './ops-alert.consumer';
import { OpsAlertDeliveryWorker } from './ops-alert-delivery.worker';
import { OpsAlertMetrics } from './ops-alert.metrics';

@Module({})
export class OpsAlertsModule {
  /** Needs the app's global DataSource, KafkaConsumers and MetricsRegistry; `readFrom` is for tests reading a private topic. */
  static register(config: CallbackConfig, options: { readonly readFrom?: string } = {}): DynamicModule {
    return {
      module: OpsAlertsModule,
      providers: [
        { provide: CALLBACK_CONFIG, useValue: config },
        { provide: OPS_ALERT_SOURCE, useValue: options.readFrom ?? Topic.OpsAlerts },
        { provide: OpsAlertRepository, inject: [DataSource], useFactory: (ds: DataSource) => new OpsAlertRepository(ds) },
        OpsAlertMetrics,
        OpsAlertDeliveryWorker,
        OpsAlertConsumer,
      ],
    };
  }
}
