// How each simulated carrier behaves: latency, error mix, receipts and throughput policing,
// read from the CARRIER_PROFILES document (start-up) or the admin API (run time).
import { z } from '@sluice/config';
import * as smpp from 'smpp';
import { CARRIERS, CarrierId } from './carriers';
import { defaultReceiptError } from './delivery-receipt';
import { ReceiptStatus } from './submission.store';

/** An error-mix entry that sends no submit_sm_resp at all (the ESME's response timeout fires). */
export const NO_RESPONSE = 'NO_RESPONSE';
/** The layer under every carrier's own override. */
export const DEFAULT_PROFILE = 'default';

const MAX_DELAY_MS = 3_600_000;
/** A carrier's daily cap is the longest window worth policing. */
const MAX_WINDOW_MS = 86_400_000;
const MAX_LIMIT = 1_000_000;
/** Fractions are floating point: 0.1 + 0.2 must still count as "at most 0.3". */
const FRACTION_SLACK = 1e-9;

export type ThrottleScope = 'carrier' | 'source';

export interface ThrottleRule {
  /** At most this many submissions in any sliding window of `windowMs`. */
  readonly limit: number;
  readonly windowMs: number;
  /** `carrier`: one window for all traffic to the carrier; `source`: one per source address. */
  readonly per: ThrottleScope;
}

export interface ErrorShare {
  /** An ESME_* name the smpp package knows, a vendor-specific number, or NO_RESPONSE. */
  readonly status: string | number;
  readonly fraction: number;
}

export interface ReceiptShare {
  readonly stat: ReceiptStatus;
  /** Three digits, the receipt's `err:`. */
  readonly err: string;
  readonly fraction: number;
}

/** A carrier's complete behaviour. */
export interface CarrierProfile {
  /** Delay before the submit_sm_resp: latencyMs plus 0..latencyJitterMs. */
  readonly latencyMs: number;
  readonly latencyJitterMs: number;
  /** Fractions of submissions answered with an error (or not at all); the rest are accepted. */
  readonly errors: readonly ErrorShare[];
  /** Delay between the submit_sm_resp and the receipt: receiptDelayMs plus 0..receiptJitterMs. */
  readonly receiptDelayMs: number;
  readonly receiptJitterMs: number;
  /** Fractions of receipts with another outcome than DELIVRD err:000, which gets the rest. */
  readonly receiptOutcomes: readonly ReceiptShare[];
  /** Send the receipt first and the submit_sm_resp only once the ESME answered it. */
  readonly receiptBeforeResponse: boolean;
  /** Every rule must allow a submission, else it is answered ESME_RTHROTTLED. */
  readonly throttle: readonly ThrottleRule[];
}

/** What a profile document gives for one layer: any subset of the fields, each replacing the layer below. */
export type ProfileOverride = Partial<CarrierProfile>;

export interface ProfilesDocument {
  readonly default?: ProfileOverride;
  readonly carriers?: Partial<Readonly<Record<CarrierId, ProfileOverride>>>;
}

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problems: readonly string[] };

const wholeMs = (max: number) => {
  const message = `must be a whole number of milliseconds from 0 to ${max}`;
  return z.number({ invalid_type_error: message }).int(message).min(0, message).max(max, message);
};

const fraction = z
  .number({ invalid_type_error: 'must be a fraction from 0 to 1', required_error: 'is required (a fraction from 0 to 1)' })
  .min(0, 'must be a fraction from 0 to 1')
  .max(1, 'must be a fraction from 0 to 1');

/** Names the smpp package knows for every command_status but ESME_ROK, by value. */
const ERROR_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(smpp.errors)
    .filter(([, code]) => code !== smpp.ESME_ROK)
    .map(([name, code]) => [code, name]),
);
const ERROR_CODES: ReadonlyMap<string, number> = new Map([...ERROR_NAMES].map(([code, name]) => [name, code]));

const errorStatus = z.unknown().transform((value, ctx): string | number => {
  if (typeof value === 'string') {
    if (value === NO_RESPONSE || ERROR_CODES.has(value)) return value;
    if (value === 'ESME_ROK') ctx.addIssue({ code: 'custom', message: 'must not be ESME_ROK (accepted is whatever the errors leave)' });
    else ctx.addIssue({ code: 'custom', message: `must be an SMPP error name (e.g. ESME_RSYSERR), a command_status number or ${NO_RESPONSE}` });
    return z.NEVER;
  }
  if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 0xffffffff) {
    return ERROR_NAMES.get(value) ?? value;
  }
  ctx.addIssue({
    code: 'custom',
    message:
      value === undefined
        ? `is required (an SMPP error name, a command_status number or ${NO_RESPONSE})`
        : `must be an SMPP error name (e.g. ESME_RSYSERR), a command_status number from 1 to 4294967295 or ${NO_RESPONSE}`,
  });
  return z.NEVER;
});

const receiptError = z.unknown().transform((value, ctx): string => {
  if (typeof value === 'string' && /^\d{3}$/.test(value)) return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 999) return String(value).padStart(3, '0');
  ctx.addIssue({ code: 'custom', message: 'must be a three-digit error code (e.g. "001") or a number from 0 to 999' });
  return z.NEVER;
});

const RECEIPT_STATUSES = Object.values(ReceiptStatus) as [ReceiptStatus, ...ReceiptStatus[]];

const sharesAtMostOne = (entries: readonly { fraction: number }[], ctx: z.RefinementCtx) => {
  // A fraction out of range has been reported already; its sum would only repeat it.
  if (entries.some((entry) => !(entry.fraction >= 0 && entry.fraction <= 1))) return;
  const sum = entries.reduce((total, entry) => total + entry.fraction, 0);
  if (sum > 1 + FRACTION_SLACK) {
    ctx.addIssue({ code: 'custom', message: `fractions must add up to at most 1 (they add up to ${Number(sum.toFixed(6))})` });
  }
};

const strictObject = <T extends z.ZodRawShape>(shape: T) =>
  z.object(shape, { invalid_type_error: 'must be a JSON object', required_error: 'is required' }).strict(
    `is not a known field (known: ${Object.keys(shape).join(', ')})`,
  );

const throttleRule = strictObject({
  limit: z
    .number({ invalid_type_error: `must be a whole number from 1 to ${MAX_LIMIT}`, required_error: `is required (a whole number from 1 to ${MAX_LIMIT})` })
    .int(`must be a whole number from 1 to ${MAX_LIMIT}`)
    .min(1, `must be a whole number from 1 to ${MAX_LIMIT}`)
    .max(MAX_LIMIT, `must be a whole number from 1 to ${MAX_LIMIT}`),
  windowMs: z
    .number({ invalid_type_error: `must be a whole number of milliseconds from 1 to ${MAX_WINDOW_MS}`, required_error: `is required (milliseconds, 1 to ${MAX_WINDOW_MS})` })
    .int(`must be a whole number of milliseconds from 1 to ${MAX_WINDOW_MS}`)
    .min(1, `must be a whole number of milliseconds from 1 to ${MAX_WINDOW_MS}`)
    .max(MAX_WINDOW_MS, `must be a whole number of milliseconds from 1 to ${MAX_WINDOW_MS}`),
  per: z.enum(['carrier', 'source'], { errorMap: () => ({ message: 'must be carrier or source' }) }).default('carrier'),
});

const arrayOf = <T extends z.ZodTypeAny>(item: T, max: number) =>
  z.array(item, { invalid_type_error: 'must be a JSON array' }).max(max, `must have at most ${max} entries`);

export const profileOverrideSchema = strictObject({
  latencyMs: wholeMs(MAX_DELAY_MS),
  latencyJitterMs: wholeMs(MAX_DELAY_MS),
  errors: arrayOf(strictObject({ status: errorStatus, fraction }), 50).superRefine(sharesAtMostOne),
  receiptDelayMs: wholeMs(MAX_DELAY_MS),
  receiptJitterMs: wholeMs(MAX_DELAY_MS),
  receiptOutcomes: arrayOf(
    strictObject({
      stat: z.enum(RECEIPT_STATUSES, { errorMap: () => ({ message: `must be ${RECEIPT_STATUSES.join(', ')}` }) }),
      err: receiptError.optional(),
      fraction,
    }),
    50,
  ).superRefine(sharesAtMostOne),
  receiptBeforeResponse: z.boolean({ invalid_type_error: 'must be true or false' }),
  throttle: arrayOf(throttleRule, 10),
}).partial();

const carrierIds = Object.keys(CARRIERS) as CarrierId[];

export const profilesDocumentSchema = strictObject({
  default: profileOverrideSchema.optional(),
  carriers: strictObject(Object.fromEntries(carrierIds.map((id) => [id, profileOverrideSchema.optional()])) as Record<
    CarrierId,
    z.ZodOptional<typeof profileOverrideSchema>
  >)
    .strict(`is not a known carrier (known: ${carrierIds.join(', ')})`)
    .optional(),
});

/** Parses CARRIER_PROFILES (absent or blank: no overrides). Problems read `carriers.att.latencyMs must be ...`. */
export function parseProfilesDocument(raw: string | undefined): ParseResult<ProfilesDocument> {
  if (raw === undefined || raw.trim() === '') return { ok: true, value: {} };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error: unknown) {
    return { ok: false, problems: [`is not valid JSON (${(error as Error).message})`] };
  }
  const result = profilesDocumentSchema.safeParse(json);
  if (!result.success) return { ok: false, problems: describeIssues(result.error.issues) };
  return { ok: true, value: normalizeDocument(result.data) };
}

/** Parses one layer as given to `PUT /simulator/profiles/:carrier`. */
export function parseProfileOverride(body: unknown): ParseResult<ProfileOverride> {
  const result = profileOverrideSchema.safeParse(body ?? {});
  if (!result.success) return { ok: false, problems: describeIssues(result.error.issues, 'body') };
  return { ok: true, value: normalizeOverride(result.data) };
}

/** The layers applied in order, each field given replacing the one below (arrays as a whole). */
export function resolveProfile(base: CarrierProfile, ...layers: ReadonlyArray<ProfileOverride | undefined>): CarrierProfile {
  let profile: CarrierProfile = base;
  for (const layer of layers) {
    if (!layer) continue;
    const given = Object.fromEntries(Object.entries(layer).filter(([, value]) => value !== undefined)) as ProfileOverride;
    profile = { ...profile, ...given };
  }
  return profile;
}

/** The command_status an error share sends; undefined for NO_RESPONSE. */
export function commandStatusOf(status: string | number): number | undefined {
  if (typeof status === 'number') return status;
  if (status === NO_RESPONSE) return undefined;
  const code = ERROR_CODES.get(status);
  if (code === undefined) throw new RangeError(`unknown command_status name ${status}`);
  return code;
}

/** A label for metrics and logs: the package's name for the status, or its hex value. */
export function statusName(commandStatus: number): string {
  return ERROR_NAMES.get(commandStatus) ?? `0x${commandStatus.toString(16).padStart(8, '0')}`;
}

type ParsedOverride = z.output<typeof profileOverrideSchema>;

/** Receipt entries without `err` get the usual one for their stat. */
function normalizeOverride(parsed: ParsedOverride): ProfileOverride {
  const { receiptOutcomes, ...rest } = parsed;
  if (!receiptOutcomes) return rest;
  return {
    ...rest,
    receiptOutcomes: receiptOutcomes.map(({ stat, err, fraction: share }) => ({
      stat,
      err: err ?? defaultReceiptError(stat),
      fraction: share,
    })),
  };
}

function normalizeDocument(document: z.output<typeof profilesDocumentSchema>): ProfilesDocument {
  const carriers: Partial<Record<CarrierId, ProfileOverride>> = {};
  for (const [id, layer] of Object.entries(document.carriers ?? {})) {
    if (layer) carriers[id as CarrierId] = normalizeOverride(layer);
  }
  return {
    ...(document.default ? { default: normalizeOverride(document.default) } : {}),
    ...(Object.keys(carriers).length > 0 ? { carriers } : {}),
  };
}

/** One sentence per problem, naming the field: `carriers.att.throttle[0].limit must be ...`. */
export function describeIssues(issues: readonly z.ZodIssue[], root = ''): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(`${fieldPath([...issue.path, key], root)} ${issue.message}`);
      continue;
    }
    const path = fieldPath(issue.path, root);
    problems.push(path ? `${path} ${issue.message}` : issue.message);
  }
  return problems;
}

function fieldPath(path: ReadonlyArray<string | number>, root: string): string {
  let text = root;
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${segment}` : segment;
  }
  return text;
}
