// The two-way scenario format: mobile-originated messages injected at the carrier at a set rate,
// delivered to each account's Message URL (the harness's receiver), answered with Message XML.
import { z } from '@sluice/config';
import { ScenarioError } from '../scenario/scenario';

export const TWO_WAY_KIND = 'two-way';

const twoWaySchema = z
  .object({
    kind: z.literal(TWO_WAY_KIND),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
    description: z.string().min(1),
    seed: z.number().int().default(1),
    /** Accounts, each with its Application and numbers. */
    accounts: z.number().int().min(1).max(1_000).default(2),
    numbersPerAccount: z.number().int().min(1).max(100).default(2),
    /** The numbers' registration: it sets the pace the replies can leave at. */
    numberType: z.enum(['long_code', 'toll_free', 'short_code']).default('toll_free'),
    smsMps: z.number().positive().max(100_000).default(50),
    /** Accounts (the first ones) whose Application does not log incoming messages. */
    privateAccounts: z.number().int().min(0).default(0),
    messageMethod: z.enum(['POST', 'GET']).default('POST'),
    /** MO injected at the carrier per second, for `seconds`. */
    rate: z.number().positive().max(10_000),
    seconds: z.number().positive().max(3_600),
    /** Share of MO answered with a one-message Message XML reply (the rest with an empty 200). */
    replyRatio: z.number().min(0).max(1).default(1),
    /** MO requests to the simulator in flight at most. */
    maxInFlight: z.number().int().min(1).max(10_000).default(200),
    drain: z.object({ timeoutSeconds: z.number().positive().max(3_600).default(120) }).default({}),
  })
  .strict()
  .refine((s) => s.privateAccounts <= s.accounts, { message: 'privateAccounts must not exceed accounts', path: ['privateAccounts'] })
  // Each MO has a mobile number of its own among a million.
  .refine((s) => s.rate * s.seconds < 999_999, { message: 'rate × seconds must stay below 999,999 MO', path: ['seconds'] });

export type TwoWayScenario = z.output<typeof twoWaySchema>;

/** Whether a parsed scenario document is a two-way one. */
export function isTwoWay(document: unknown): boolean {
  return typeof document === 'object' && document !== null && (document as Record<string, unknown>)['kind'] === TWO_WAY_KIND;
}

/** The scenario, or the problems as lines naming the field. */
export function parseTwoWayScenario(document: unknown, source: string): TwoWayScenario {
  const result = twoWaySchema.safeParse(document);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.') || '(top)'}: ${issue.message}`);
    throw new ScenarioError(`${source} is not a valid two-way scenario:\n${problems.join('\n')}`);
  }
  return result.data;
}

/** `--scale 0.5` halves the injection time (and so the number of MO), keeping the rate. */
export function scaleTwoWay(scenario: TwoWayScenario, durationScale: number): TwoWayScenario {
  return durationScale === 1 ? scenario : { ...scenario, seconds: scenario.seconds * durationScale };
}
