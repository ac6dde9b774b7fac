// The fault-injection scenarios: which faults, in what order, under what sustained traffic.
import { parseScenario, Scenario } from '../scenario/scenario';

export const KILLABLE_APPS = ['api-gateway', 'rate-governor', 'carrier-dispatch', 'callback-service'] as const;
export type KillableApp = (typeof KILLABLE_APPS)[number];
export const INFRA_SERVICES = ['postgres', 'redis', 'kafka'] as const;
export type InfraService = (typeof INFRA_SERVICES)[number];

export type FaultSpec =
  /** SIGKILL of the app; started again (same port and environment) `downSeconds` later, as a supervisor would. */
  | { readonly kind: 'kill-app'; readonly app: KillableApp; readonly downSeconds: number }
  /** SIGKILL of the server (Postgres with its backends); `infra.sh up` again `downSeconds` later. */
  | { readonly kind: 'kill-infra'; readonly service: InfraService; readonly downSeconds: number }
  /** Redis loses every key at once (a failover to an empty replica). */
  | { readonly kind: 'redis-flushall' }
  /** The carrier is gone: every bind closed and refused for `seconds` (carrier-simulator outage). */
  | { readonly kind: 'carrier-outage'; readonly seconds: number }
  /** A record that is not JSON, produced to each partition of sms.submitted.v1. */
  | { readonly kind: 'poison-record' };

export interface ChaosScenario {
  readonly name: string;
  readonly description: string;
  /** Requests per second of the sustained traffic (one destination each). */
  readonly rate: number;
  /** Traffic before the first fault. */
  readonly leadSeconds: number;
  /** Traffic after each fault's restoration (restart, end of outage), before the next fault. */
  readonly gapSeconds: number;
  /** More traffic after the last fault's gap. */
  readonly tailSeconds: number;
  readonly faults: readonly FaultSpec[];
  /** A fault not recovered from within this long (from its injection) fails the run. */
  readonly recoverWithinSeconds: number;
  /** How long, after the traffic, every accepted message may take to be final with its callbacks. */
  readonly drainSeconds: number;
}

const APP_DOWN_SECONDS = 2;
const INFRA_DOWN_SECONDS = 5;
const OUTAGE_SECONDS = 60;

export function faultName(fault: FaultSpec): string {
  switch (fault.kind) {
    case 'kill-app':
      return `kill-${fault.app}`;
    case 'kill-infra':
      return `kill-${fault.service}`;
    case 'redis-flushall':
      return 'redis-flushall';
    case 'carrier-outage':
      return 'carrier-outage';
    case 'poison-record':
      return 'poison-record';
  }
}

export function describeFault(fault: FaultSpec): string {
  switch (fault.kind) {
    case 'kill-app':
      return `kill -9 of ${fault.app}, started again ${fault.downSeconds} s later`;
    case 'kill-infra':
      return `kill -9 of ${fault.service === 'postgres' ? 'Postgres (and its backends)' : fault.service === 'redis' ? 'Redis' : 'Kafka'}, started again ${fault.downSeconds} s later`;
    case 'redis-flushall':
      return 'FLUSHALL on Redis: quota windows and the dispatch schedule are gone';
    case 'carrier-outage':
      return `the carrier is gone for ${fault.seconds} s: binds closed and refused`;
    case 'poison-record':
      return 'a record that is not JSON on each partition of sms.submitted.v1';
  }
}

/** Seconds a fault occupies before the gap that follows it: down time or outage. */
export function faultSeconds(fault: FaultSpec): number {
  switch (fault.kind) {
    case 'kill-app':
    case 'kill-infra':
      return fault.downSeconds;
    case 'carrier-outage':
      return fault.seconds;
    default:
      return 0;
  }
}

/** When each fault is due, in seconds after the traffic began, and how long the traffic lasts. */
export function faultSchedule(scenario: ChaosScenario): { readonly at: readonly number[]; readonly trafficSeconds: number } {
  const at: number[] = [];
  let t = scenario.leadSeconds;
  for (const fault of scenario.faults) {
    at.push(t);
    t += faultSeconds(fault) + scenario.gapSeconds;
  }
  return { at, trafficSeconds: t + scenario.tailSeconds };
}

const ONE_FAULT = {
  'kill-api-gateway': { kind: 'kill-app', app: 'api-gateway', downSeconds: APP_DOWN_SECONDS },
  'kill-rate-governor': { kind: 'kill-app', app: 'rate-governor', downSeconds: APP_DOWN_SECONDS },
  'kill-carrier-dispatch': { kind: 'kill-app', app: 'carrier-dispatch', downSeconds: APP_DOWN_SECONDS },
  'kill-callback-service': { kind: 'kill-app', app: 'callback-service', downSeconds: APP_DOWN_SECONDS },
  'kill-postgres': { kind: 'kill-infra', service: 'postgres', downSeconds: INFRA_DOWN_SECONDS },
  'kill-redis': { kind: 'kill-infra', service: 'redis', downSeconds: INFRA_DOWN_SECONDS },
  'kill-kafka': { kind: 'kill-infra', service: 'kafka', downSeconds: INFRA_DOWN_SECONDS },
  'redis-flushall': { kind: 'redis-flushall' },
  'carrier-outage': { kind: 'carrier-outage', seconds: OUTAGE_SECONDS },
  'poison-record': { kind: 'poison-record' },
} as const satisfies Record<string, FaultSpec>;

const single = (name: string, fault: FaultSpec): ChaosScenario => ({
  name,
  description: `${describeFault(fault)}, during sustained traffic`,
  rate: 20,
  leadSeconds: 20,
  gapSeconds: 40,
  tailSeconds: 0,
  faults: [fault],
  recoverWithinSeconds: 120,
  drainSeconds: 180,
});

export const CHAOS_SCENARIOS: readonly ChaosScenario[] = [
  {
    name: 'short',
    description: 'kill -9 of rate-governor and of carrier-dispatch, a poison record and FLUSHALL on Redis, at a low rate: the CI run',
    rate: 8,
    leadSeconds: 8,
    gapSeconds: 15,
    tailSeconds: 5,
    faults: [ONE_FAULT['kill-rate-governor'], ONE_FAULT['kill-carrier-dispatch'], ONE_FAULT['poison-record'], ONE_FAULT['redis-flushall']],
    recoverWithinSeconds: 60,
    drainSeconds: 90,
  },
  {
    name: 'all',
    description: 'every fault in turn: kill -9 of each app, of Postgres, Redis and Kafka, FLUSHALL, the carrier gone 60 s, a poison record',
    rate: 20,
    leadSeconds: 20,
    gapSeconds: 35,
    tailSeconds: 0,
    faults: Object.values(ONE_FAULT),
    recoverWithinSeconds: 120,
    drainSeconds: 300,
  },
  ...Object.entries(ONE_FAULT).map(([name, fault]) => single(name, fault)),
];

export function findChaosScenario(name: string): ChaosScenario | undefined {
  return CHAOS_SCENARIOS.find((s) => s.name === name);
}

/** The same scenario at another rate (`--rate`). */
export function withRate(scenario: ChaosScenario, rate: number): ChaosScenario {
  return { ...scenario, rate };
}

/** Settings the suite gives the platform, so that the duplicates it allows follow from values it chose. */
export const CHAOS_PLATFORM_ENV = {
  'carrier-dispatch': { SMPP_WINDOW: '50', SMPP_BINDS: '2', QUOTA_ADMISSION_GUARD_MS: '250' },
  'callback-service': { CALLBACK_CONCURRENCY: '64' },
  // As in the smoke scenario: a busy shared machine must not fail the run on the jitter between admission and arrival.
  'rate-governor': { QUOTA_GUARD_MS: '250' },
} as const;

/** Index of the group whose messages measure recovery (no quota holds it back, so its latency is the platform's). */
export const FLOW_GROUP = 0;

/**
 * The sustained traffic: unpaced accounts (short codes, all carriers, one and two-part texts,
 * every message with a callback) carry most of it; one account is offered 1.1 times its
 * account MPS (a whole number, as the product counts it), so that a quota is backlogged when
 * Redis loses its windows and its backlog drains in a tenth of the traffic's length.
 */
export function chaosTraffic(scenario: ChaosScenario): Scenario {
  const pacedMps = Math.max(1, Math.round(scenario.rate / 5 / 1.1));
  const pacedShare = Math.min(0.5, (1.1 * pacedMps) / scenario.rate);
  return parseScenario(
    {
      name: `chaos-${scenario.name}`,
      description: scenario.description,
      seed: 16,
      groups: [
        {
          name: 'flow',
          accounts: 4,
          weight: 1 - pacedShare,
          smsMps: 1_000,
          numbers: [{ type: 'short_code' }],
          carriers: { att: 1, tmobile: 1, verizon: 1, rogers: 1 },
          texts: [
            { encoding: 'gsm', units: 1, weight: 4 },
            { encoding: 'gsm', units: 2, weight: 1 },
          ],
          callbacks: 1,
          callbackMethods: { POST: 3, GET: 1 },
        },
        {
          name: 'paced',
          accounts: 1,
          weight: pacedShare,
          smsMps: pacedMps,
          numbers: [{ type: 'toll_free' }],
          carriers: { att: 1, verizon: 1 },
          callbacks: 1,
          bindingQuota: 'account_mps',
        },
      ],
      phases: [{ name: 'sustained', rate: scenario.rate, seconds: faultSchedule(scenario).trafficSeconds }],
      drain: { timeoutSeconds: scenario.drainSeconds, settleSeconds: 3 },
      platform: { env: CHAOS_PLATFORM_ENV },
    },
    `chaos scenario ${scenario.name}`,
  );
}
