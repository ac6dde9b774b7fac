import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { KafkaModule, OutboxRelay } from '@sluice/messaging';
import { ObservabilityModule } from '@sluice/observability';
import { DatabaseModule } from '@sluice/persistence';
import { BasicAuthGuard } from './auth/basic-auth.guard';
import { ApiErrorFilter } from './errors/api-error.filter';
import { GATEWAY_CONFIG, GatewayConfig } from './gateway.config';
import { MessagesController } from './messages/messages.controller';
import { MessagesService } from './messages/messages.service';

@Module({})
export class AppModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: 'api-gateway', logLevel: config.LOG_LEVEL }),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, applicationName: 'api-gateway' }),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'api-gateway' }),
      ],
      controllers: [MessagesController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ApiErrorFilter },
        BasicAuthGuard,
        MessagesService,
        OutboxRelay,
      ],
    };
  }
}
