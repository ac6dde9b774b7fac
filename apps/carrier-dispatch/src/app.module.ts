import { DynamicModule, Module } from '@nestjs/common';
import { KafkaModule, OutboxRelay, RedisModule } from '@sluice/messaging';
import { ObservabilityModule } from '@sluice/observability';
import { DatabaseModule } from '@sluice/persistence';
import { BatchedTransitions } from './batched-transitions';
import { DISPATCH_CONFIG, DispatchConfig } from './dispatch.config';
import { DispatchService } from './dispatch.service';
import { ReceiptService } from './receipt.service';
import { SmppPool } from './smpp-pool';

@Module({})
export class AppModule {
  static register(config: DispatchConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: 'carrier-dispatch', logLevel: config.LOG_LEVEL }),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, applicationName: 'carrier-dispatch' }),
        RedisModule.forRoot(config.REDIS_URL, 'carrier-dispatch'),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'carrier-dispatch' }),
      ],
      providers: [
        { provide: DISPATCH_CONFIG, useValue: config },
        {
          provide: SmppPool,
          useFactory: () =>
            new SmppPool(
              {
              host: config.SMPP_HOST,
              port: config.SMPP_PORT,
              systemId: config.SMPP_SYSTEM_ID,
              password: config.SMPP_PASSWORD,
              window: config.SMPP_WINDOW,
              responseTimeoutMs: config.SMPP_RESPONSE_TIMEOUT_MS,
              enquireLinkMs: config.SMPP_ENQUIRE_LINK_MS,
              },
              config.SMPP_BINDS,
            ),
        },
        BatchedTransitions,
        ReceiptService,
        DispatchService,
        OutboxRelay,
      ],
    };
  }
}
