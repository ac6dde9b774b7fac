// The scenario file format (loadtest/scenarios/*.json): who sends, what, how fast, and what must hold.
import { z } from '@sluice/config';
import { MESSAGE_EXPIRY } from '@sluice/domain';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const share = z.number().min(0, 'must be 0 or more');
const weights = <K extends string>(keys: readonly [K, ...K[]]) =>
  z.record(z.enum(keys), share).refine((w) => Object.values<number | undefined>(w).some((v) => (v ?? 0) > 0), 'needs at least one weight above 0');

export const CARRIER_KEYS = ['att', 'tmobile', 'verizon', 'rogers'] as const;
export type CarrierKey = (typeof CARRIER_KEYS)[number];
export const NUMBER_TYPES = ['long_code', '10dlc', 'toll_free', 'short_code'] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

const numberSpec = z.object({
  type: z.enum(NUMBER_TYPES),
  country: z.enum(['US', 'CA']).default('US'),
  /** Toll-free numbers get their throughput only once verified. */
  verified: z.boolean().default(true),
  /** Numbers of this kind per account; arrivals take them in turn. */
  count: z.number().int().min(1).max(1_000).default(1),
});

const brandSpec = z.object({
  useCase: z.string().min(1).max(40).default('mixed'),
  vettingScore: z.number().int().min(0).max(100),
  tmobileTpdOverride: z.number().int().min(0).optional(),
});

const textSpec = z.object({
  encoding: z.enum(['gsm', 'ucs2']),
  /** Carrier submissions the text costs (GSM: 160 / 153 a part; UCS-2: 70 / 67). */
  units: z.number().int().min(1).max(10).default(1),
  weight: share.default(1),
});

const expirySpec = z.object({
  /** `message_expiry` in seconds (5..10799); null leaves it out, so the default of 10800 applies. */
  seconds: z.number().int().min(MESSAGE_EXPIRY.min).max(MESSAGE_EXPIRY.max).nullable(),
  weight: share.default(1),
});

const groupSpec = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  accounts: z.number().int().min(1).max(100_000).default(1),
  /** Share of all arrivals that this group sends (relative to the other groups). */
  weight: z.number().positive().default(1),
  smsMps: z.number().positive().max(100_000).default(5),
  /** Per-account API request rate (accounts.api_request_rate, when the schema has it); null keeps the gateway's default. */
  apiRequestRate: z.number().int().positive().nullable().default(1_000_000),
  numbers: z.array(numberSpec).min(1),
  /** One 10DLC brand per account, for its 10dlc numbers. */
  brand: brandSpec.optional(),
  carriers: weights(CARRIER_KEYS).default({ att: 1, tmobile: 1, verizon: 1, rogers: 1 }),
  texts: z.array(textSpec).min(1).default([{ encoding: 'gsm', units: 1, weight: 1 }]),
  expiry: z.array(expirySpec).min(1).default([{ seconds: null, weight: 1 }]),
  /** Share of sends with a status callback `url` pointing at the harness's receiver. */
  callbacks: z.number().min(0).max(1).default(1),
  callbackMethods: weights(['POST', 'GET'] as const).default({ POST: 1 }),
  log: weights(['true', 'false', 'number_only', 'content_only'] as const).default({ true: 1 }),
  /** The quota meant to hold this group's backlog back: `expect.minUtilisation` is checked on it. */
  bindingQuota: z.enum(['account_mps', 'number', 'brand_tpm']).optional(),
  /** Destinations joined with `<` in one request. */
  destinationsPerRequest: z.number().int().min(1).max(100).default(1),
});

const phaseSpec = z.object({
  name: z.string().optional(),
  /** Requests per second, on a fixed schedule (open model). */
  rate: z.number().positive().max(1_000_000),
  seconds: z.number().positive().max(86_400),
});

export const scenarioSchema = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
  /** Makes the mixes reproducible. */
  seed: z.number().int().default(1),
  groups: z.array(groupSpec).min(1),
  phases: z.array(phaseSpec).min(1),
  /** The carrier-simulator refuses every bind (and drops the bound ones) for `seconds`, from `atSeconds` after the load begins. */
  carrierOutage: z
    .object({
      atSeconds: z.number().nonnegative(),
      seconds: z.number().positive(),
    })
    .strict()
    .optional(),
  /**
   * A step search: each phase is a step; a step is sustainable when the platform kept up
   * (see README). `accept` judges the gateway alone, `end-to-end` also the carrier side.
   */
  search: z
    .object({
      kind: z.enum(['accept', 'end-to-end']),
      minAcceptedRatio: z.number().min(0).max(1).default(0.97),
      maxP99Ms: z.number().positive().default(1_000),
      /** end-to-end: the backlog at the step's end may hold at most this many seconds of arrivals. */
      maxBacklogSeconds: z.number().positive().default(2),
      stopAtFirstFailure: z.boolean().default(true),
      /** Seconds between steps for the backlog to settle. */
      pauseSeconds: z.number().min(0).default(2),
    })
    .optional(),
  drain: z
    .object({
      timeoutSeconds: z.number().positive().default(300),
      /** After everything is final, how long to keep listening for late (duplicate) callbacks. */
      settleSeconds: z.number().min(0).default(2),
    })
    .default({}),
  http: z
    .object({
      connections: z.number().int().min(1).max(10_000).default(64),
      timeoutMs: z.number().int().positive().default(30_000),
      /** Arrivals beyond this many unanswered requests are counted as not sent (the client is saturated). */
      maxInFlight: z.number().int().positive().default(20_000),
    })
    .default({}),
  ceilings: z
    .object({
      enabled: z.boolean().default(false),
      seconds: z.number().positive().default(3),
    })
    .default({}),
  platform: z
    .object({
      governors: z.number().int().min(1).max(8).default(1),
      dispatchers: z.number().int().min(1).max(8).default(1),
      /** Extra environment per app when the harness starts the platform. */
      env: z.record(z.string(), z.record(z.string(), z.string())).default({}),
      /** CARRIER_PROFILES for the simulator (applied through its API when the platform is already running). */
      simulatorProfiles: z.record(z.string(), z.unknown()).optional(),
    })
    .default({}),
  expect: z
    .object({
      /** Backlogged quotas must be used at least this much (0..1). */
      minUtilisation: z.number().min(0).max(1).optional(),
      /** Each group's binding quota, when backlogged, must take at most this long from its first acceptance to its last unit at the carrier. */
      maxDrainSeconds: z.number().positive().optional(),
      /** No message under a group's binding quota may reach the carrier more than this much later than the quota, used to the full, required. */
      maxSecondsBeyondQuota: z.number().nonnegative().optional(),
      /** Share of requests that may end in an HTTP error or time-out (not checked when absent). */
      maxHttpErrorRatio: z.number().min(0).max(1).optional(),
    })
    .default({}),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type GroupSpec = Scenario['groups'][number];
export type NumberSpec = GroupSpec['numbers'][number];
export type PhaseSpec = Scenario['phases'][number];

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** `smoke` → `<dir>/smoke.json`; anything with a slash or `.json` is a path. */
export function resolveScenarioPath(nameOrPath: string, scenarioDir: string): string {
  const path = nameOrPath.includes('/') || nameOrPath.endsWith('.json') ? resolve(nameOrPath) : join(scenarioDir, `${nameOrPath}.json`);
  if (!existsSync(path)) {
    const known = existsSync(scenarioDir) ? listScenarios(scenarioDir).join(', ') : 'none';
    throw new ScenarioError(`no scenario "${nameOrPath}" (looked for ${path}; known: ${known})`);
  }
  return path;
}

export function listScenarios(scenarioDir: string): string[] {
  return readdirSync(scenarioDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

export function parseScenario(document: unknown, source: string): Scenario {
  const result = scenarioSchema.safeParse(document);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.') || '(top)'}: ${issue.message}`);
    throw new ScenarioError(`${source} is not a valid scenario:\n${problems.join('\n')}`);
  }
  const scenario = result.data;
  const names = new Set<string>();
  for (const group of scenario.groups) {
    if (names.has(group.name)) throw new ScenarioError(`${source}: group name "${group.name}" is used twice`);
    names.add(group.name);
    if (group.brand && !group.numbers.some((n) => n.type === '10dlc')) {
      throw new ScenarioError(`${source}: group "${group.name}" has a brand but no 10dlc numbers`);
    }
  }
  return scenario;
}

export function loadScenario(nameOrPath: string, scenarioDir: string): Scenario {
  const path = resolveScenarioPath(nameOrPath, scenarioDir);
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error: unknown) {
    throw new ScenarioError(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseScenario(document, path);
}

/** `--scale 0.5` halves every phase (and so the number of messages), keeping the rates. */
export function scaleScenario(scenario: Scenario, durationScale: number, rateScale = 1): Scenario {
  if (durationScale === 1 && rateScale === 1) return scenario;
  return { ...scenario, phases: scenario.phases.map((p) => ({ ...p, rate: p.rate * rateScale, seconds: p.seconds * durationScale })) };
}
