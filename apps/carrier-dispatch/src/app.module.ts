import { DynamicModule, Module } from '@nestjs/common';
import { ExpirySweep, KafkaModule, OutboxRelay, RedisModule } from '@sluice/messaging';
import { ObservabilityModule } from '@sluice/observability';
import { DatabaseModule } from '@sluice/persistence';
import { BatchedTransitions } from './batched-transitions';
import { DISPATCH_CONFIG, DispatchConfig } from './dispatch.config';
import { DispatchService } from './dispatch.service';
import { InboundService } from './inbound.service';
import { ReceiptService } from './receipt.service';
import { SmppThread } from './smpp-thread';

@Module({})
export class AppModule {
  static register(config: DispatchConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: 'carrier-dispatch', logLevel: config.LOG_LEVEL, supervision: { loopMaxDownMs: config.LOOP_MAX_DOWN_MS } }),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, applicationName: 'carrier-dispatch' }),
        RedisModule.forRoot(config.REDIS_URL, 'carrier-dispatch'),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'carrier-dispatch' }),
      ],
      providers: [
        { provide: DISPATCH_CONFIG, useValue: config },
        {
          provide: SmppThread,
          useFactory: () =>
            new SmppThread({
              defaultRoute: { host: config.SMPP_HOST, port: config.SMPP_PORT, systemId: config.SMPP_SYSTEM_ID, password: config.SMPP_PASSWORD, binds: config.SMPP_BINDS },
              perCarrier: config.SMPP_ROUTES,
              link: { window: config.SMPP_WINDOW, responseTimeoutMs: config.SMPP_RESPONSE_TIMEOUT_MS, enquireLinkMs: config.SMPP_ENQUIRE_LINK_MS, reconnectMs: config.SMPP_RECONNECT_MS },
            }),
        },
        BatchedTransitions,
        InboundService,
        ReceiptService,
        DispatchService,
        OutboxRelay,
        ExpirySweep.provider({ intervalMs: config.EXPIRY_SWEEP_MS, graceMs: config.EXPIRY_SWEEP_GRACE_MS }),
      ],
    };
  }
}
