// Postgres LISTEN/NOTIFY for configuration edits, so every replica's caches drop stale entries at once.
import { Client } from 'pg';

export const CONFIG_CHANNEL = 'sluice_config';

/** What changed; caches keyed by these drop their entries. */
export type ConfigChange =
  | { readonly kind: 'account'; readonly authId: string }
  | { readonly kind: 'powerpack'; readonly powerpackUuid: string }
  | { readonly kind: 'rate_cards' }
  | { readonly kind: 'phone_numbers' }
  | { readonly kind: 'brands' }
  | { readonly kind: 'carrier_prefixes' };

interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** Sent on commit of the caller's transaction (or at once outside one). */
export async function announceConfigChange(db: Queryable, change: ConfigChange): Promise<void> {
  await db.query(`SELECT pg_notify($1, $2)`, [CONFIG_CHANNEL, JSON.stringify(change)]);
}

export interface ConfigChangeListenerOptions {
  readonly url: string;
  readonly applicationName: string;
  readonly onChange: (change: ConfigChange) => void;
  /** Called after (re)connecting: changes made while disconnected were missed, so caches should be dropped. */
  readonly onResync: () => void;
  readonly onError?: (error: unknown) => void;
}

/** One dedicated connection LISTENing on the channel; reconnects with back-off until stopped. */
export class ConfigChangeListener {
  private client: Client | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;

  constructor(private readonly options: ConfigChangeListenerOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect().catch((error: unknown) => {
      this.options.onError?.(error);
      this.scheduleReconnect();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.options.url, application_name: this.options.applicationName });
    client.on('notification', (message) => {
      if (message.channel !== CONFIG_CHANNEL || !message.payload) return;
      try {
        this.options.onChange(JSON.parse(message.payload) as ConfigChange);
      } catch (error: unknown) {
        this.options.onError?.(error);
      }
    });
    client.on('error', (error) => {
      this.options.onError?.(error);
      if (this.client === client) {
        this.client = null;
        void client.end().catch(() => undefined);
        this.scheduleReconnect();
      }
    });
    await client.connect();
    await client.query(`LISTEN ${CONFIG_CHANNEL}`);
    if (this.stopped) {
      await client.end();
      return;
    }
    this.client = client;
    this.attempt = 0;
    this.options.onResync();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = Math.min(100 * 2 ** this.attempt, 5_000);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect().catch((error: unknown) => {
        this.options.onError?.(error);
        this.scheduleReconnect();
      });
    }, delay);
    this.retryTimer.unref();
  }
}
