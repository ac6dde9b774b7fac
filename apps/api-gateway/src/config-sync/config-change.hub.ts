// Fans configuration edits (Postgres NOTIFY from the admin API of any replica) out to this replica's caches.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigChange, ConfigChangeListener } from '@sluice/persistence';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';

export interface ConfigChangeSubscriber {
  onConfigChange(change: ConfigChange): void;
  /** Changes may have been missed (listener reconnected): drop everything. */
  onConfigResync(): void;
}

@Injectable()
export class ConfigChangeHub implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConfigChangeHub.name);
  private readonly subscribers: ConfigChangeSubscriber[] = [];
  private readonly listener: ConfigChangeListener;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.listener = new ConfigChangeListener({
      url: config.DATABASE_URL,
      applicationName: 'api-gateway-config-listener',
      onChange: (change) => this.subscribers.forEach((s) => s.onConfigChange(change)),
      onResync: () => this.subscribers.forEach((s) => s.onConfigResync()),
      onError: (error) => this.logger.warn({ err: error }, 'config change listener error; caches fall back to their TTL'),
    });
  }

  subscribe(subscriber: ConfigChangeSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /**
   * For an edit made by this replica: its own caches drop the entry before the admin call
   * returns (the NOTIFY, meant for the other replicas, arrives a moment later and is harmless).
   */
  applied(change: ConfigChange): void {
    this.subscribers.forEach((s) => s.onConfigChange(change));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.stop();
  }
}
