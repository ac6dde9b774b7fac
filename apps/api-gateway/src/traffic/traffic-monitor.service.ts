// Watches accepted sends for unusual traffic. `observe` only tallies in memory (it never
// throws and costs the request next to nothing); once a second the tallies go to the store
// (Redis when REDIS_URL is set, shared by every replica), the rules judge the counts, and
// alerts are published on ops.alerts.v1.
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { MessageState, OpsAlertPayload, Topic } from '@sluice/contracts';
import { destinationPrefix, isOtpLike } from '@sluice/domain';
import { KafkaProducer } from '@sluice/messaging';
import { MetricsRegistry } from '@sluice/observability';
import type { AcceptedMessageRow } from '@sluice/persistence';
import type { Counter } from 'prom-client';
import type { Caller } from '../auth/basic-auth.guard';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { RedisTrafficStore } from './redis-traffic.store';
import { TrafficDetector, trafficRules } from './traffic-detector';
import { AccountTraffic, destinationHash, MemoryTrafficStore, TrafficStore } from './traffic-store';

const FLUSH_INTERVAL_MS = 1_000;
/** Bounds on what waits for the next flush; past them traffic is not counted (and a warning says so). */
const MAX_PENDING_ACCOUNTS = 50_000;
const MAX_OTP_DESTINATIONS_PER_FLUSH = 20_000;

/** The part of a send the detector looks at: the text (classified, never kept) and the destinations asked for. */
export interface ObservedSend {
  readonly text: string;
  readonly destinations: readonly string[];
}

interface Tally {
  messages: number;
  otpMessages: number;
  prefixes: Map<string, number>;
  otpDestinations: string[];
}

@Injectable()
export class TrafficMonitor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TrafficMonitor.name);
  private readonly store: TrafficStore | null;
  private readonly detector: TrafficDetector | null;
  private readonly alertsTotal: Counter<'kind'>;
  private pending = new Map<string, Tally>();
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private lastWarning = 0;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly producer: KafkaProducer,
    metrics: MetricsRegistry,
  ) {
    this.alertsTotal = metrics.counter('gateway_traffic_alerts_total', 'Unusual-traffic alerts published, by kind', ['kind']);
    if (!config.TRAFFIC_ALERTS) {
      this.store = null;
      this.detector = null;
      return;
    }
    const rules = trafficRules(config);
    this.store = config.REDIS_URL ? new RedisTrafficStore(config.REDIS_URL, rules.windows) : new MemoryTrafficStore(rules.windows);
    this.detector = new TrafficDetector(this.store, rules);
  }

  onApplicationBootstrap(): void {
    if (!this.detector) return;
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    await this.store?.close();
  }

  /**
   * Tallies the messages a send accepted. `messages` are the rows of the send, one per
   * destination that was not returned in `invalidNumbers`, in the order of `send.destinations`;
   * only `queued` ones count.
   */
  observe(caller: Caller, send: ObservedSend, messages: readonly AcceptedMessageRow[], invalidNumbers: readonly string[]): void {
    if (!this.detector) return;
    try {
      let tally = this.pending.get(caller.authId);
      if (!tally) {
        if (this.pending.size >= MAX_PENDING_ACCOUNTS) return this.warn(new Error('too many accounts waiting for the next flush'));
        tally = { messages: 0, otpMessages: 0, prefixes: new Map(), otpDestinations: [] };
        this.pending.set(caller.authId, tally);
      }
      const invalid = new Set(invalidNumbers);
      const asked = send.destinations.filter((d) => !invalid.has(d));
      // Rows store a redacted number when `log` keeps none: the number asked for is used where the two line up.
      const aligned = asked.length === messages.length;
      const otp = isOtpLike(send.text);
      messages.forEach((message, i) => {
        if (message.state !== MessageState.Queued) return;
        const destination = aligned ? (asked[i] ?? message.toNumber) : message.toNumber;
        tally.messages += 1;
        const prefix = destinationPrefix(destination, message.destinationCountry);
        tally.prefixes.set(prefix, (tally.prefixes.get(prefix) ?? 0) + 1);
        if (otp) {
          tally.otpMessages += 1;
          if (tally.otpDestinations.length < MAX_OTP_DESTINATIONS_PER_FLUSH) tally.otpDestinations.push(destination);
        }
      });
    } catch (error: unknown) {
      this.warn(error);
    }
  }

  /** Sends the tallies to the store and publishes the alerts due; one flush at a time. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce()).catch((error: unknown) => this.warn(error));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    if (!this.detector || this.pending.size === 0) return;
    const tallies = this.pending;
    this.pending = new Map();
    const batch: AccountTraffic[] = [];
    for (const [accountId, tally] of tallies) {
      if (tally.messages === 0) continue;
      batch.push({
        accountId,
        messages: tally.messages,
        otpMessages: tally.otpMessages,
        prefixes: tally.prefixes,
        otpDestinations: tally.otpDestinations.map(destinationHash),
      });
    }
    const alerts = await this.detector.detect(batch);
    if (alerts.length > 0) await this.publish(alerts);
  }

  private async publish(alerts: OpsAlertPayload[]): Promise<void> {
    try {
      await this.producer.publish(Topic.OpsAlerts, alerts);
    } catch (error: unknown) {
      this.logger.error({ err: error, alerts: alerts.length }, 'unusual-traffic alerts not published; they will be raised again');
      await this.detector?.release(alerts);
      return;
    }
    for (const alert of alerts) {
      this.alertsTotal.inc({ kind: alert.kind });
      this.logger.warn({ alertId: alert.alertId, kind: alert.kind, accountId: alert.accountId }, `unusual traffic: ${alert.summary}`);
    }
  }

  private warn(error: unknown): void {
    if (Date.now() - this.lastWarning < 10_000) return;
    this.lastWarning = Date.now();
    this.logger.warn({ err: error }, 'unusual-traffic detection skipped some traffic');
  }
}
