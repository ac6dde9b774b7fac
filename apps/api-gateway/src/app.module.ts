import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { KafkaModule, OutboxRelay } from '@sluice/messaging';
import { ObservabilityModule } from '@sluice/observability';
import {
  AccountAdminRepository,
  ApplicationRepository,
  BrandAdminRepository,
  CarrierPrefixAdminRepository,
  DatabaseModule,
  FraudControlsRepository,
  MessageQueryRepository,
  OpsAlertRepository,
  OptOutRepository,
  PhoneNumberAdminRepository,
  PowerpackAdminRepository,
  RateCardAdminRepository,
} from '@sluice/persistence';
import { DataSource } from 'typeorm';
import { AcceptanceBatcher } from './acceptance/acceptance.batcher';
import { StatusPublisher } from './acceptance/status-publisher';
import { AccountsAdminController } from './admin/accounts.admin.controller';
import { AccountsAdminService } from './admin/accounts.admin.service';
import { AdminAuthGuard } from './admin/admin-auth.guard';
import { AlertsAdminController } from './admin/alerts.admin.controller';
import { AlertsAdminService } from './admin/alerts.admin.service';
import { PricingAdminService } from './admin/pricing.admin.service';
import { CarrierPrefixesAdminController, RateCardsAdminController } from './admin/pricing.admin.controller';
import { BrandsAdminController, NumbersAdminController, PowerpacksAdminController } from './admin/senders.admin.controller';
import { SendersAdminService } from './admin/senders.admin.service';
import { MessagesAdminController } from './admin/messages.admin.controller';
import { OptOutsAdminController } from './admin/opt-outs.admin.controller';
import { OptOutsAdminService } from './admin/opt-outs.admin.service';
import { MessageSendAdminController } from './admin/message-send.admin.controller';
import { ApplicationsController } from './applications/applications.controller';
import { ApplicationsService } from './applications/applications.service';
import { ControlsAdminController } from './admin/controls.admin.controller';
import { ControlsAdminService } from './admin/controls.admin.service';
import { AccountDirectory } from './auth/account-directory';
import { ApiRateGuard } from './auth/api-rate.guard';
import { ApiRateLimiter } from './auth/api-rate.limiter';
import { BasicAuthGuard } from './auth/basic-auth.guard';
import { ConfigChangeHub } from './config-sync/config-change.hub';
import { ControlAlerts } from './controls/control-alerts';
import { ControlSettings } from './controls/control-settings';
import { CountryHourCounter } from './controls/country-hour-counter';
import { SendControls } from './controls/send-controls.service';
import { ApiErrorFilter } from './errors/api-error.filter';
import { GATEWAY_CONFIG, GatewayConfig } from './gateway.config';
import { MediaInspector } from './messages/media-inspector';
import { MessageExportService } from './messages/message-export.service';
import { MessagesController } from './messages/messages.controller';
import { MessagesService } from './messages/messages.service';
import { NumbersController } from './numbers/numbers.controller';
import { NumbersService } from './numbers/numbers.service';
import { SendCatalog } from './messages/send-catalog';
import { RetentionService } from './retention/retention.service';
import { TrafficMonitor } from './traffic/traffic-monitor.service';

/** Repositories that take the DataSource, provided per app (DatabaseModule provides the shared ones). */
const REPOSITORIES: ReadonlyArray<Type<unknown> & (new (dataSource: DataSource) => unknown)> = [
  MessageQueryRepository,
  AccountAdminRepository,
  ApplicationRepository,
  PhoneNumberAdminRepository,
  PowerpackAdminRepository,
  BrandAdminRepository,
  RateCardAdminRepository,
  CarrierPrefixAdminRepository,
  FraudControlsRepository,
  OpsAlertRepository,
  OptOutRepository,
];

@Module({})
export class AppModule {
  static register(config: GatewayConfig): DynamicModule {
    const admin = config.ADMIN_TOKEN !== undefined;
    const repositories: Provider[] = REPOSITORIES.map((repository) => ({ provide: repository, inject: [DataSource], useFactory: (ds: DataSource) => new repository(ds) }));
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: 'api-gateway', logLevel: config.LOG_LEVEL, supervision: { loopMaxDownMs: config.LOOP_MAX_DOWN_MS } }),
        DatabaseModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, applicationName: 'api-gateway' }),
        KafkaModule.forRoot({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'api-gateway' }),
      ],
      // The admin API exists only when an ADMIN_TOKEN is configured.
      controllers: [
        MessagesController,
        ApplicationsController,
        NumbersController,
        ...(admin ? [MessageSendAdminController, AccountsAdminController, NumbersAdminController, BrandsAdminController, PowerpacksAdminController, RateCardsAdminController, CarrierPrefixesAdminController, MessagesAdminController, OptOutsAdminController, ControlsAdminController, AlertsAdminController] : []),
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: ApiErrorFilter },
        ...repositories,
        ConfigChangeHub,
        AccountDirectory,
        BasicAuthGuard,
        ApiRateLimiter,
        ApiRateGuard,
        SendCatalog,
        ControlSettings,
        CountryHourCounter,
        ControlAlerts,
        SendControls,
        MediaInspector,
        AcceptanceBatcher,
        StatusPublisher,
        OutboxRelay,
        MessagesService,
        ApplicationsService,
        NumbersService,
        TrafficMonitor,
        MessageExportService,
        RetentionService,
        AdminAuthGuard,
        AccountsAdminService,
        SendersAdminService,
        PricingAdminService,
        ControlsAdminService,
        AlertsAdminService,
        OptOutsAdminService,
      ],
    };
  }
}
