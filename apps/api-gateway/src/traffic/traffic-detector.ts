// Turns an account's counts into operator alerts: the rules come from libs/domain, the
// counts from a TrafficStore, and a cooldown lets one alert per account and kind through.
import { OpsAlertKind, OpsAlertPayload } from '@sluice/contracts';
import {
  detectNewDestination,
  detectRateSpike,
  detectSmsPumping,
  NewDestinationRule,
  NewPrefixCounts,
  Pumping,
  PumpingCounts,
  PumpingRule,
  RateSpike,
  RateSpikeRule,
} from '@sluice/domain';
import { randomUUID } from 'node:crypto';
import type { GatewayConfig } from '../gateway.config';
import type { AccountFigures, AccountTraffic, TrafficStore, TrafficWindows } from './traffic-store';

export interface TrafficRules {
  readonly windows: TrafficWindows;
  readonly rateSpike: RateSpikeRule;
  readonly newDestination: NewDestinationRule;
  readonly pumping: PumpingRule;
  readonly cooldownMs: number;
}

export function trafficRules(config: GatewayConfig): TrafficRules {
  return {
    windows: {
      baselineMinutes: config.TRAFFIC_BASELINE_MINUTES,
      pumpingMinutes: config.TRAFFIC_PUMPING_WINDOW_MINUTES,
      newDestinationWindowMs: config.TRAFFIC_NEW_DESTINATION_WINDOW_MS,
      destinationMemoryMs: config.TRAFFIC_DESTINATION_MEMORY_HOURS * 3_600_000,
    },
    rateSpike: { factor: config.TRAFFIC_SPIKE_FACTOR, minPerMinute: config.TRAFFIC_SPIKE_MIN_PER_MINUTE },
    newDestination: { minMessages: config.TRAFFIC_NEW_DESTINATION_MIN_MESSAGES, windowMs: config.TRAFFIC_NEW_DESTINATION_WINDOW_MS },
    pumping: { minDistinctDestinations: config.TRAFFIC_PUMPING_MIN_DESTINATIONS, minOtpShare: config.TRAFFIC_PUMPING_MIN_OTP_SHARE },
    cooldownMs: config.TRAFFIC_ALERT_COOLDOWN_MS,
  };
}

type Finding = Pick<OpsAlertPayload, 'kind' | 'summary' | 'details'>;

export class TrafficDetector {
  constructor(
    private readonly store: TrafficStore,
    private readonly rules: TrafficRules,
  ) {}

  /** Adds the traffic to the store and returns the alerts due: at most one per account and kind per cooldown. */
  async detect(batch: readonly AccountTraffic[]): Promise<OpsAlertPayload[]> {
    if (batch.length === 0) return [];
    const figures = await this.store.record(batch);
    const alerts: OpsAlertPayload[] = [];
    for (const account of figures) {
      for (const finding of this.findings(account)) {
        if (!(await this.store.claimCooldown(account.accountId, finding.kind, this.rules.cooldownMs))) continue;
        alerts.push({ alertId: randomUUID(), accountId: account.accountId, detectedAt: account.now, ...finding });
      }
    }
    return alerts;
  }

  /** The alerts could not be published: their accounts may alert again at the next detection. */
  async release(alerts: readonly OpsAlertPayload[]): Promise<void> {
    await Promise.all(alerts.map((a) => this.store.releaseCooldown(a.accountId, a.kind).catch(() => undefined)));
  }

  private findings(account: AccountFigures): Finding[] {
    const found: Finding[] = [];
    const spike = detectRateSpike(account.rate, this.rules.rateSpike);
    if (spike) found.push(rateSpikeFinding(account.accountId, spike, this.rules));
    const fresh = detectNewDestination(account.newPrefixes, this.rules.newDestination, account.now);
    if (fresh) found.push(newDestinationFinding(account.accountId, fresh, this.rules));
    const pumping = account.pumping ? detectSmsPumping(account.pumping, this.rules.pumping) : null;
    if (pumping && account.pumping) found.push(pumpingFinding(account.accountId, pumping, account.pumping, this.rules));
    return found;
  }
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

function rateSpikeFinding(accountId: string, spike: RateSpike, rules: TrafficRules): Finding {
  const minutes = rules.windows.baselineMinutes;
  const perMinute = round1(spike.perMinute);
  const baseline = round1(spike.baselinePerMinute);
  const versus =
    spike.baselinePerMinute > 0
      ? `${round1(spike.perMinute / spike.baselinePerMinute)} times its average of ${baseline} a minute over the previous ${minutes} minutes`
      : `after sending nothing in the previous ${minutes} minutes`;
  return {
    kind: OpsAlertKind.RateSpike,
    summary: `Account ${accountId} is sending ${perMinute} messages a minute, ${versus}.`,
    details: {
      messages_per_minute: perMinute,
      baseline_per_minute: baseline,
      baseline_minutes: minutes,
      factor_threshold: rules.rateSpike.factor,
      min_per_minute: rules.rateSpike.minPerMinute,
    },
  };
}

function newDestinationFinding(accountId: string, fresh: NewPrefixCounts, rules: TrafficRules): Finding {
  const [country = fresh.prefix, areaCode] = fresh.prefix.split(':');
  const where = areaCode ? `area code ${areaCode} (${country})` : country;
  const hours = rules.windows.destinationMemoryMs / 3_600_000;
  const windowMinutes = round1(rules.newDestination.windowMs / 60_000);
  return {
    kind: OpsAlertKind.NewDestination,
    summary: `Account ${accountId} sent ${fresh.messages} messages to ${where} within ${windowMinutes} minutes, where it had sent nothing in the previous ${hours} hours.`,
    details: {
      prefix: fresh.prefix,
      country,
      ...(areaCode ? { area_code: areaCode } : {}),
      messages: fresh.messages,
      first_message_at: new Date(fresh.firstSeenAt).toISOString(),
      window_minutes: windowMinutes,
      memory_hours: hours,
      min_messages: rules.newDestination.minMessages,
    },
  };
}

function pumpingFinding(accountId: string, pumping: Pumping, counts: PumpingCounts, rules: TrafficRules): Finding {
  const minutes = rules.windows.pumpingMinutes;
  const percent = Math.round(pumping.otpShare * 100);
  return {
    kind: OpsAlertKind.SmsPumping,
    summary: `Account ${accountId} sent OTP-like texts to about ${pumping.distinctOtpDestinations} distinct numbers in ${minutes} minutes (${percent} % of its ${counts.messages} messages): possible SMS pumping.`,
    details: {
      distinct_destinations: pumping.distinctOtpDestinations,
      otp_messages: counts.otpMessages,
      messages: counts.messages,
      otp_share: Math.round(pumping.otpShare * 1000) / 1000,
      window_minutes: minutes,
      min_distinct_destinations: rules.pumping.minDistinctDestinations,
    },
  };
}
