// Decides, per submission, what the simulated carrier does: throttle, refuse, stay silent or accept (and how).
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigError } from '@sluice/config';
import * as smpp from 'smpp';
import {
  CarrierProfile,
  commandStatusOf,
  DEFAULT_PROFILE,
  parseProfilesDocument,
  ProfileOverride,
  ProfilesDocument,
  resolveProfile,
  ThrottleRule,
} from './carrier-profiles';
import { CARRIERS, CarrierId } from './carriers';
import { jittered, pickError, pickReceipt, unitDraw } from './outcome';
import { ReceiptOutcome, SIMULATOR_CONFIG, SimulatorConfig } from './simulator.config';
import { ReceiptStatus, SubmissionStatus } from './submission.store';
import { SlidingWindowPolicer } from './throttle';

export type ProfileTarget = CarrierId | typeof DEFAULT_PROFILE;

export type SubmitDecision =
  | { readonly status: typeof SubmissionStatus.Throttled; readonly commandStatus: number; readonly latencyMs: number; readonly rule: ThrottleRule }
  | {
      readonly status: typeof SubmissionStatus.Rejected;
      readonly commandStatus: number;
      readonly latencyMs: number;
      readonly ordinal: number;
    }
  | { readonly status: typeof SubmissionStatus.Unanswered; readonly ordinal: number }
  | {
      readonly status: typeof SubmissionStatus.Accepted;
      readonly latencyMs: number;
      readonly ordinal: number;
      readonly receipt: { readonly status: ReceiptStatus; readonly err: string; readonly delayMs: number };
      readonly receiptBeforeResponse: boolean;
    };

export interface ProfilesView {
  readonly seed: string;
  /** What every carrier without an override of its own does. */
  readonly default: CarrierProfile;
  /** The effective profile of every carrier. */
  readonly carriers: Readonly<Record<CarrierId, CarrierProfile>>;
  /** The overrides in force, in CARRIER_PROFILES form. */
  readonly document: ProfilesDocument;
}

/** The start-up default before CARRIER_PROFILES: what the older single-carrier variables say. */
export function baseProfile(config: Pick<SimulatorConfig, 'SUBMIT_LATENCY_MS' | 'RECEIPT_DELAY_MS' | 'RECEIPT_OUTCOME'>): CarrierProfile {
  const undelivered = { stat: ReceiptStatus.Undelivered, err: '001' };
  return {
    latencyMs: config.SUBMIT_LATENCY_MS,
    latencyJitterMs: 0,
    errors: [],
    receiptDelayMs: config.RECEIPT_DELAY_MS,
    receiptJitterMs: 0,
    receiptOutcomes:
      config.RECEIPT_OUTCOME === ReceiptOutcome.Undelivered
        ? [{ ...undelivered, fraction: 1 }]
        : config.RECEIPT_OUTCOME === ReceiptOutcome.Mixed
          ? [{ ...undelivered, fraction: 0.1 }]
          : [],
    receiptBeforeResponse: false,
    throttle: [],
  };
}

const CARRIER_IDS = Object.keys(CARRIERS) as CarrierId[];

@Injectable()
export class CarrierBehaviour {
  private readonly logger = new Logger(CarrierBehaviour.name);
  readonly seed: string;
  private readonly base: CarrierProfile;
  private readonly startup: ProfilesDocument;
  private defaultLayer?: ProfileOverride;
  private readonly carrierLayers = new Map<CarrierId, ProfileOverride>();
  private readonly resolved = new Map<CarrierId, CarrierProfile>();
  private readonly ordinals = new Map<CarrierId, number>();
  private readonly policer = new SlidingWindowPolicer();

  constructor(@Inject(SIMULATOR_CONFIG) config: SimulatorConfig) {
    const parsed = parseProfilesDocument(config.CARRIER_PROFILES);
    if (!parsed.ok) throw new ConfigError('carrier-simulator', parsed.problems.map((problem) => `CARRIER_PROFILES: ${problem}`));
    this.base = baseProfile(config);
    this.startup = parsed.value;
    this.seed = config.SIMULATOR_SEED ?? randomBytes(8).toString('hex');
    this.restore();
    this.logger.log({ seed: this.seed, seeded: config.SIMULATOR_SEED !== undefined }, 'carrier profiles loaded (SIMULATOR_SEED repeats a run)');
  }

  /**
   * Polices the carrier's throughput first (a throttled submission draws nothing, so the
   * choices for the others do not depend on timing), then draws error, latency and receipt.
   */
  decide(carrier: CarrierId, source: string, receivedAt: number): SubmitDecision {
    const profile = this.profile(carrier);
    const rule = this.policer.admit(profile.throttle, carrier, source, receivedAt);
    if (rule) return { status: SubmissionStatus.Throttled, commandStatus: smpp.ESME_RTHROTTLED, latencyMs: profile.latencyMs, rule };

    const ordinal = (this.ordinals.get(carrier) ?? 0) + 1;
    this.ordinals.set(carrier, ordinal);
    const draw = (purpose: Parameters<typeof unitDraw>[3]) => unitDraw(this.seed, carrier, ordinal, purpose);
    const latencyMs = jittered(profile.latencyMs, profile.latencyJitterMs, draw('latency'));
    const error = pickError(profile.errors, draw('error'));
    if (error) {
      const commandStatus = commandStatusOf(error.status);
      if (commandStatus === undefined) return { status: SubmissionStatus.Unanswered, ordinal };
      return { status: SubmissionStatus.Rejected, commandStatus, latencyMs, ordinal };
    }
    const receipt = pickReceipt(profile.receiptOutcomes, draw('receipt'));
    return {
      status: SubmissionStatus.Accepted,
      latencyMs,
      ordinal,
      receipt: { status: receipt.stat, err: receipt.err, delayMs: jittered(profile.receiptDelayMs, profile.receiptJitterMs, draw('receipt-delay')) },
      receiptBeforeResponse: profile.receiptBeforeResponse,
    };
  }

  profile(carrier: CarrierId): CarrierProfile {
    let profile = this.resolved.get(carrier);
    if (!profile) {
      profile = resolveProfile(this.base, this.defaultLayer, this.carrierLayers.get(carrier));
      this.resolved.set(carrier, profile);
    }
    return profile;
  }

  defaultProfile(): CarrierProfile {
    return resolveProfile(this.base, this.defaultLayer);
  }

  view(): ProfilesView {
    const carriers = Object.fromEntries(CARRIER_IDS.map((id) => [id, this.profile(id)])) as Record<CarrierId, CarrierProfile>;
    const overrides = Object.fromEntries(this.carrierLayers);
    return {
      seed: this.seed,
      default: this.defaultProfile(),
      carriers,
      document: {
        ...(this.defaultLayer ? { default: this.defaultLayer } : {}),
        ...(this.carrierLayers.size > 0 ? { carriers: overrides } : {}),
      },
    };
  }

  /** Replaces one layer (the default, or a carrier's own override); takes effect for the next submission. */
  setOverride(target: ProfileTarget, override: ProfileOverride): void {
    if (target === DEFAULT_PROFILE) this.defaultLayer = override;
    else this.carrierLayers.set(target, override);
    this.resolved.clear();
    this.logger.log({ target, fields: Object.keys(override) }, 'carrier profile changed');
  }

  /** Puts one layer, or every layer when none is named, back to what CARRIER_PROFILES said at start-up. */
  restore(target?: ProfileTarget): void {
    if (target === undefined || target === DEFAULT_PROFILE) this.defaultLayer = this.startup.default;
    for (const id of CARRIER_IDS) {
      if (target !== undefined && target !== id) continue;
      const layer = this.startup.carriers?.[id];
      if (layer) this.carrierLayers.set(id, layer);
      else this.carrierLayers.delete(id);
    }
    this.resolved.clear();
  }

  /** Starts the ordinals and the throughput windows afresh (profiles are kept). */
  reset(): void {
    this.ordinals.clear();
    this.policer.clear();
  }
}
