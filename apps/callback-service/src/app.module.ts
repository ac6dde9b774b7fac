import { DynamicModule, Module } from '@nestjs/common';
import { KafkaModule } from '@sluice/messaging';
import { ObservabilityModule } from '@sluice/observability';
import { DatabaseModule } from '@sluice/persistence';
import { CALLBACK_CONFIG, CallbackConfig } from './callback.config';
import { CallbackService } from './callback.service';

@Module({})
export class AppModule {
  static register(config: CallbackConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: 'callback-service', logLevel: config.LOG_LEVEL }),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, applicationName: 'callback-service' }),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'callback-service' }),
      ],
      providers: [{ provide: CALLBACK_CONFIG, useValue: config }, CallbackService],
    };
  }
}
