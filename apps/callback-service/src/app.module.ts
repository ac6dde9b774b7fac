import { DynamicModule, Module } from '@nestjs/common';
import { KafkaModule, OutboxRelay } from '@sluice/messaging';
import { ObservabilityModule } from '@sluice/observability';
import { CallbackDeliveryRepository, DatabaseModule } from '@sluice/persistence';
import { DataSource } from 'typeorm';
import { AdminTokenGuard } from './admin/admin-token.guard';
import { CallbackAdminController } from './admin/callback-admin.controller';
import { CallbackHistoryService } from './admin/callback-history.service';
import { CALLBACK_CONFIG, CallbackConfig } from './callback.config';
import { CallbackMetrics } from './callback.metrics';
import { CallbackQueue } from './callback-queue.service';
import { DeliveryWorker } from './delivery.worker';
import { InboundConsumer } from './inbound/inbound.consumer';
import { InboundQueue } from './inbound/inbound-queue.service';
import { OpsAlertsModule } from './ops-alerts/ops-alerts.module';
import { StatusEventConsumer } from './status-event.consumer';

@Module({})
export class AppModule {
  static register(config: CallbackConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          service: 'callback-service',
          logLevel: config.LOG_LEVEL,
          supervision: { consumerMaxDownMs: config.CONSUMER_MAX_DOWN_MS, loopMaxDownMs: config.LOOP_MAX_DOWN_MS },
        }),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, applicationName: 'callback-service' }),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'callback-service' }),
        OpsAlertsModule.register(config),
      ],
      controllers: [CallbackAdminController],
      providers: [
        { provide: CALLBACK_CONFIG, useValue: config },
        { provide: CallbackDeliveryRepository, inject: [DataSource], useFactory: (ds: DataSource) => new CallbackDeliveryRepository(ds) },
        CallbackMetrics,
        CallbackQueue,
        DeliveryWorker,
        StatusEventConsumer,
        InboundQueue,
        InboundConsumer,
        OutboxRelay,
        AdminTokenGuard,
        CallbackHistoryService,
      ],
    };
  }
}
