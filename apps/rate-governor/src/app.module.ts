import { DynamicModule, Module } from '@nestjs/common';
import { ExpirySweep, KafkaModule, OutboxRelay, RedisModule } from '@sluice/messaging';
import { ObservabilityModule } from '@sluice/observability';
import { DatabaseModule } from '@sluice/persistence';
import { GOVERNOR_CONFIG, GovernorConfig } from './governor.config';
import { GovernorService } from './governor.service';
import { QueueAgeMetrics } from './queue-age.metrics';
import { ScheduleReconciler } from './schedule-reconciler.service';

@Module({})
export class AppModule {
  static register(config: GovernorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          service: 'rate-governor',
          logLevel: config.LOG_LEVEL,
          supervision: { consumerMaxDownMs: config.CONSUMER_MAX_DOWN_MS, loopMaxDownMs: config.LOOP_MAX_DOWN_MS },
        }),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, applicationName: 'rate-governor' }),
        RedisModule.forRoot(config.REDIS_URL, 'rate-governor'),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'rate-governor' }),
      ],
      providers: [
        { provide: GOVERNOR_CONFIG, useValue: config },
        GovernorService,
        OutboxRelay,
        ScheduleReconciler,
        QueueAgeMetrics,
        ExpirySweep.provider({ intervalMs: config.EXPIRY_SWEEP_MS, graceMs: config.EXPIRY_SWEEP_GRACE_MS }),
      ],
    };
  }
}
