// The fraud and compliance controls a send passes before acceptance: sender ownership, geo permissions, country thresholds, spending limits.
import { Injectable } from '@nestjs/common';
import { MessageErrorCode, MessageType } from '@sluice/contracts';
import { admitSpend, applyThreshold, destinationCountry, hourWindow, priceUnits, utcMonth, type CountryThreshold, type GeoPermissions } from '@sluice/domain';
import { MetricsRegistry } from '@sluice/observability';
import { FraudControlsRepository } from '@sluice/persistence';
import type { Caller } from '../auth/basic-auth.guard';
import { ApiError } from '../errors/api-error';
import { rateKey, SendCatalog } from '../messages/send-catalog';
import { ControlAlerts } from './control-alerts';
import { ApplicableLimit, ControlSettings } from './control-settings';
import { CountryHourCounter } from './country-hour-counter';
import { Reservation, SpendReservations } from './spend-reservations';

/** What the controls need to know of a send. */
export interface SendToControl {
  /** Null when a powerpack of the account picks the sender. */
  readonly src: string | null;
  readonly destinations: readonly string[];
  readonly type: MessageType;
  readonly units: number;
  /** False when every message fails at acceptance anyway (too long, media too large): nothing is counted or charged. */
  readonly charged: boolean;
  /** The rate card (price per unit by `rateKey`): a destination without a rate is not sent, so it is neither counted nor charged. */
  readonly rates: ReadonlyMap<string, string>;
}

/** The controls' verdict on one send. */
export interface Admission {
  /** The error a destination's message fails with at acceptance (stored failed, not charged), or null. */
  refusal(destination: string): MessageErrorCode | null;
  /** Wraps the acceptance of the send: its spend counts as committed once it resolves, and is released if it fails. */
  settle<T>(accepted: Promise<T>): Promise<T>;
}

interface Candidate {
  readonly destination: string;
  readonly country: string;
  /** In 1/100,000 units. */
  readonly amount: number;
}

interface SpendAlert {
  readonly accountId: string;
  readonly month: string;
  readonly level: 80 | 100;
  readonly limit: number;
  readonly spent: number;
}

const NO_REFUSALS: Admission = { refusal: () => null, settle: (accepted) => accepted };

/**
 * In order, for each destination: a country outside the caller's geo permissions fails
 * with 450; past a country's hourly threshold with action `block`, 451; past a monthly
 * spending limit, 490. The checks cost nothing for an account without thresholds or a
 * limit (cached settings, no I/O); a threshold costs one atomic count per request and
 * country, a limit one read of the month's spend per request.
 */
@Injectable()
export class SendControls {
  private readonly reservations = new SpendReservations();
  private readonly refusals;

  constructor(
    private readonly catalog: SendCatalog,
    private readonly settings: ControlSettings,
    private readonly counter: CountryHourCounter,
    private readonly repository: FraudControlsRepository,
    private readonly alerts: ControlAlerts,
    metrics: MetricsRegistry,
  ) {
    this.refusals = metrics.counter('gateway_control_refusals_total', 'Messages failed at acceptance by a fraud control, by error code', ['code']);
  }

  /** Throws a 400 when `src` is not a number of the caller or of its parent. */
  async admit(caller: Caller, send: SendToControl): Promise<Admission> {
    if (send.src !== null) await this.assertSender(caller, send.src);
    const controls = await this.settings.forCaller(caller);
    const now = Date.now();
    const refusals = new Map<string, MessageErrorCode>();
    const candidates: Candidate[] = [];
    for (const destination of send.destinations) {
      const country = destinationCountry(destination);
      if (country === null) continue;
      if (!controls.allowedCountries.has(country)) {
        refusals.set(destination, MessageErrorCode.DestinationCountryBarred);
        continue;
      }
      const rate = send.rates.get(rateKey(country, send.type));
      if (rate !== undefined && send.charged) candidates.push({ destination, country, amount: priceUnits(rate) * send.units });
    }
    const within = await this.applyThresholds(caller.authId, controls.geo, candidates, now, refusals);
    const spend = controls.limits.length > 0 && within.length > 0 ? await this.applyLimits(caller, controls.limits, within, now, refusals) : null;
    for (const code of refusals.values()) this.refusals.inc({ code });
    if (refusals.size === 0 && !spend) return NO_REFUSALS;
    return {
      refusal: (destination) => refusals.get(destination) ?? null,
      settle: (accepted) =>
        accepted.then(
          (value) => {
            if (spend?.reservation) this.reservations.committed(spend.reservation, Date.now());
            // Raised once the spend that reaches a level is committed.
            for (const alert of spend?.alerts ?? []) void this.alerts.spendLimit(alert.accountId, alert.month, alert.level, alert.limit, alert.spent, now);
            return value;
          },
          (error: unknown) => {
            if (spend?.reservation) this.reservations.released(spend.reservation);
            throw error;
          },
        ),
    };
  }

  private async assertSender(caller: Caller, src: string): Promise<void> {
    const owner = await this.catalog.numberOwner(src);
    if (owner === null || (owner !== caller.authId && owner !== caller.parentAuthId)) {
      throw ApiError.invalid('src', 'This caller ID is not allowed for outbound message');
    }
  }

  /** Counts each country's messages once per request; returns the candidates its thresholds let through. */
  private async applyThresholds(accountId: string, geo: GeoPermissions, candidates: readonly Candidate[], now: number, refusals: Map<string, MessageErrorCode>): Promise<Candidate[]> {
    if (geo.thresholds.length === 0) return [...candidates];
    const thresholds = new Map<string, CountryThreshold>(geo.thresholds.filter((t) => t.action !== 'ignore').map((t) => [t.country, t]));
    const byCountry = new Map<string, { threshold: CountryThreshold; offered: Candidate[] }>();
    for (const c of candidates) {
      const threshold = thresholds.get(c.country);
      if (threshold) byCountry.set(c.country, { threshold, offered: [...(byCountry.get(c.country)?.offered ?? []), c] });
    }
    const hour = hourWindow(now);
    await Promise.all(
      [...byCountry].map(async ([country, { threshold, offered }]) => {
        const count = await this.counter.count(accountId, country, hour.start, offered.length, now);
        const outcome = applyThreshold(threshold, offered.length, count, now);
        for (const c of offered.slice(outcome.allowed)) refusals.set(c.destination, MessageErrorCode.CountryThresholdExceeded);
        if (outcome.passed) this.alerts.countryThreshold(accountId, threshold, hour.start, count.before + offered.length, now);
        if (outcome.blockUntil !== null) await this.counter.block(accountId, country, outcome.blockUntil);
      }),
    );
    return candidates.filter((c) => !refusals.has(c.destination));
  }

  /** Admits messages in order while every limit holds; reserves their amount until the send is committed. */
  private async applyLimits(
    caller: Caller,
    limits: readonly ApplicableLimit[],
    candidates: readonly Candidate[],
    now: number,
    refusals: Map<string, MessageErrorCode>,
  ): Promise<{ reservation: Reservation | null; alerts: SpendAlert[] }> {
    const month = utcMonth(now);
    const readStartedAt = Date.now();
    const spend = await this.repository.spendOf(caller.rootAuthId, caller.authId, month);
    // No await from here to the reservation: concurrent sends on this replica see each other.
    const pending = this.reservations.pending(caller.rootAuthId, caller.authId, readStartedAt);
    const states = limits.map((l) => ({
      accountId: l.accountId,
      limit: l.limit,
      spent: l.covers === 'own' ? priceUnits(spend.own) + pending.own : priceUnits(spend.family) + pending.family,
    }));
    const admission = admitSpend(
      candidates.map((c) => c.amount),
      states,
    );
    for (const c of candidates.slice(admission.admitted)) refusals.set(c.destination, MessageErrorCode.MonthlySpendLimit);
    const total = candidates.slice(0, admission.admitted).reduce((sum, c) => sum + c.amount, 0);
    const reservation = total > 0 ? this.reservations.reserve(caller.rootAuthId, caller.authId, total, Date.now()) : null;
    const alerts = admission.reached.flatMap(({ accountId, level }) => {
      const state = states.find((s) => s.accountId === accountId);
      return state ? [{ accountId, month, level, limit: state.limit, spent: state.spent + total }] : [];
    });
    return { reservation, alerts };
  }
}
