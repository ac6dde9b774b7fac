// Admin API bodies and queries: zod schemas that validate (400 naming the field) and the JSON schemas /docs shows.
import { isCarrierId, must } from '@sluice/contracts';
import { normalizeE164 } from '@sluice/domain';
import { z } from '@sluice/config';
import { NumberType } from '@sluice/persistence';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ApiError } from '../errors/api-error';

/** 10DLC use cases; `low_volume` has its own TPM, the others follow the vetting score. */
export const BRAND_USE_CASES = ['dedicated', 'mixed', 'marketing', 'low_volume'] as const;
export const COUNTRIES = ['US', 'CA'] as const;
export const MESSAGE_TYPES = ['sms', 'mms'] as const;

const mps = z
  .number({ invalid_type_error: 'must be a number' })
  .positive('must be more than 0')
  .max(1_000_000, 'must be at most 1000000')
  .refine((v) => Number.isInteger(Math.round(v * 1000)) && Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-6, 'takes at most 3 decimals');
const apiRate = z.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').positive('must be more than 0').max(1_000_000, 'must be at most 1000000');
const name = z.string({ invalid_type_error: 'must be a string' }).trim().min(1, 'is required').max(200, 'must be at most 200 characters');
const authId = z.string().regex(/^(MA|SA)[A-Z0-9]{18}$/, 'must be an auth id (MA… or SA…, 20 characters)');
const uuid = z.string().uuid('must be a uuid');

export const createAccountSchema = z
  .object({
    name,
    enabled: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
    sms_mps: mps.optional(),
    mms_mps: mps.optional(),
    api_request_rate: apiRate.optional(),
  })
  .strict();

export const updateAccountSchema = z
  .object({
    name: name.optional(),
    enabled: z.boolean({ invalid_type_error: 'must be true or false' }).optional(),
    sms_mps: mps.optional(),
    mms_mps: mps.optional(),
    api_request_rate: apiRate.nullable().optional(),
  })
  .strict();

const senderNumber = z
  .string({ invalid_type_error: 'must be a string' })
  .transform((value, context) => {
    const trimmed = value.trim();
    const normalized = /^\d{5,6}$/.test(trimmed) ? trimmed : normalizeE164(trimmed);
    if (!normalized) {
      context.addIssue({ code: z.ZodIssueCode.custom, message: 'must be an E.164 number or a 5–6 digit short code' });
      return z.NEVER;
    }
    return normalized;
  });

export const numberPathSchema = senderNumber;

export const putNumberSchema = z
  .object({
    account_id: authId,
    country: z.enum(COUNTRIES, { errorMap: () => ({ message: 'must be US or CA' }) }),
    number_type: z.enum([NumberType.LongCode, NumberType.TenDlc, NumberType.TollFree, NumberType.ShortCode], {
      errorMap: () => ({ message: 'must be long_code, 10dlc, toll_free or short_code' }),
    }),
    verified: z.boolean({ invalid_type_error: 'must be true or false' }).default(false),
    brand_id: uuid.nullable().default(null),
    powerpack_uuid: uuid.nullable().default(null),
  })
  .strict();

const vettingScore = z.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 to 100').max(100, 'must be 0 to 100');
const tpdOverride = z.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(100_000_000).nullable();
const useCase = z.enum(BRAND_USE_CASES, { errorMap: () => ({ message: `must be one of ${BRAND_USE_CASES.join(', ')}` }) });

export const createBrandSchema = z
  .object({ account_id: authId, name, use_case: useCase, vetting_score: vettingScore, tmobile_tpd_override: tpdOverride.default(null) })
  .strict();

export const updateBrandSchema = z
  .object({ name: name.optional(), use_case: useCase.optional(), vetting_score: vettingScore.optional(), tmobile_tpd_override: tpdOverride.optional() })
  .strict();

export const createPowerpackSchema = z
  .object({ account_id: authId, name, sticky_sender: z.boolean({ invalid_type_error: 'must be true or false' }).default(true) })
  .strict();

export const updatePowerpackSchema = z.object({ name: name.optional(), sticky_sender: z.boolean({ invalid_type_error: 'must be true or false' }).optional() }).strict();

export const ratePathSchema = z.object({
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as US'),
  messageType: z.enum(MESSAGE_TYPES, { errorMap: () => ({ message: 'must be sms or mms' }) }),
});

export const RATE_DIRECTIONS = ['outbound', 'inbound'] as const;
const rateDirection = z.enum(RATE_DIRECTIONS, { errorMap: () => ({ message: 'must be outbound or inbound' }) });

export const putRateSchema = z
  .object({
    rate_per_unit: z
      .union([z.number(), z.string()], { invalid_type_error: 'must be a decimal number' })
      .transform((v) => String(v).trim())
      .refine((v) => /^\d{1,7}(\.\d{1,5})?$/.test(v), 'must be a decimal number with at most 5 decimals, 0 or more'),
    /** outbound: sending to the country; inbound: receiving on a number of the country. */
    direction: rateDirection.default('outbound'),
  })
  .strict();

/** `?direction=` of the rate card list (a filter) and of a delete (which price; outbound unless given). */
export const rateListQuerySchema = z.object({ direction: rateDirection.optional() });
export const rateDeleteQuerySchema = z.object({ direction: rateDirection.default('outbound') });

export const prefixPathSchema = z.string().regex(/^\d{1,15}$/, 'must be 1 to 15 digits (E.164 without the plus)');

export const putPrefixSchema = z
  .object({ carrier: z.string().refine(isCarrierId, 'must be one of att, tmobile, verizon, rogers, unknown') })
  .strict();

export const pageSchema = z.object({
  limit: z.coerce.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be 1 to 100').max(100, 'must be 1 to 100').default(20),
  offset: z.coerce.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').default(0),
});

/** Parses with a schema; the first problem becomes a 400 naming the field (`sms_mps: must be more than 0`). */
export function parseBody<S extends z.ZodTypeAny>(schema: S, value: unknown, where = ''): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data as z.output<S>;
  const issue = must(result.error.issues[0], 'a validation issue');
  const field = [where, ...issue.path].filter((p) => p !== '').join('.') || 'body';
  const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
  throw ApiError.invalid(field, message);
}

/** JSON schemas for /docs (the zod schemas above are what is enforced). */
export const ADMIN_DOC_SCHEMAS = {
  createAccount: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', maxLength: 200 },
      enabled: { type: 'boolean', default: true },
      sms_mps: { type: 'number', description: 'dispatch MPS for SMS (default 5)' },
      mms_mps: { type: 'number', description: 'dispatch MPS for MMS (default 0.25)' },
      api_request_rate: { type: 'integer', description: 'API requests per second (default: the gateway API_REQUEST_RATE)' },
    },
  },
  updateAccount: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      enabled: { type: 'boolean', description: 'false: every request with its credentials (and its subaccounts\') gets 401' },
      sms_mps: { type: 'number' },
      mms_mps: { type: 'number' },
      api_request_rate: { type: 'integer', nullable: true, description: 'null: back to the gateway default' },
    },
  },
  putNumber: {
    type: 'object',
    required: ['account_id', 'country', 'number_type'],
    properties: {
      account_id: { type: 'string' },
      country: { type: 'string', enum: [...COUNTRIES] },
      number_type: { type: 'string', enum: ['long_code', '10dlc', 'toll_free', 'short_code'] },
      verified: { type: 'boolean', default: false, description: 'toll-free verification' },
      brand_id: { type: 'string', format: 'uuid', nullable: true },
      powerpack_uuid: { type: 'string', format: 'uuid', nullable: true },
    },
  },
  createBrand: {
    type: 'object',
    required: ['account_id', 'name', 'use_case', 'vetting_score'],
    properties: {
      account_id: { type: 'string' },
      name: { type: 'string' },
      use_case: { type: 'string', enum: [...BRAND_USE_CASES] },
      vetting_score: { type: 'integer', minimum: 0, maximum: 100, description: '0: skipped secondary vetting' },
      tmobile_tpd_override: { type: 'integer', nullable: true, description: 'T-Mobile daily cap granted by a special business review' },
    },
  },
  updateBrand: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      use_case: { type: 'string', enum: [...BRAND_USE_CASES] },
      vetting_score: { type: 'integer', minimum: 0, maximum: 100 },
      tmobile_tpd_override: { type: 'integer', nullable: true },
    },
  },
  createPowerpack: {
    type: 'object',
    required: ['account_id', 'name'],
    properties: { account_id: { type: 'string' }, name: { type: 'string' }, sticky_sender: { type: 'boolean', default: true } },
  },
  updatePowerpack: { type: 'object', properties: { name: { type: 'string' }, sticky_sender: { type: 'boolean' } } },
  putRate: {
    type: 'object',
    required: ['rate_per_unit'],
    properties: {
      rate_per_unit: { type: 'string', example: '0.00500' },
      direction: { type: 'string', enum: [...RATE_DIRECTIONS], default: 'outbound', description: 'inbound: the price of a message received on a number of the country' },
    },
  },
  putPrefix: { type: 'object', required: ['carrier'], properties: { carrier: { type: 'string', enum: ['att', 'tmobile', 'verizon', 'rogers', 'unknown'] } } },
} satisfies Record<string, SchemaObject>;
