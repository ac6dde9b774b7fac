// Admin API bodies of the fraud controls (geo permissions, spending limits) and the JSON schemas /docs shows.
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from '@sluice/config';
import { isKnownCountry, ThresholdAction } from '@sluice/domain';

const THRESHOLD_ACTIONS = [ThresholdAction.Block, ThresholdAction.Alert, ThresholdAction.Ignore] as const;

const country = z
  .string({ invalid_type_error: 'must be a country code' })
  .transform((value) => value.trim().toUpperCase())
  .refine(isKnownCountry, 'must be an ISO 3166 alpha-2 country code such as US');

const threshold = z
  .object({
    country,
    messages_per_hour: z.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be 1 or more').max(100_000_000, 'must be at most 100000000'),
    action: z.enum(THRESHOLD_ACTIONS, { errorMap: () => ({ message: 'must be block, alert or ignore' }) }),
    block_minutes: z
      .number({ invalid_type_error: 'must be a whole number of minutes' })
      .int('must be a whole number of minutes')
      .min(1, 'must be 1 to 10080')
      .max(10_080, 'must be 1 to 10080')
      .nullable()
      .default(null),
  })
  .strict();

export const putGeoPermissionsSchema = z
  .object({
    allowed_countries: z.array(country, { invalid_type_error: 'must be a list of country codes', required_error: 'is required' }).max(300, 'takes at most 300 countries'),
    thresholds: z.array(threshold, { invalid_type_error: 'must be a list of thresholds' }).max(300, 'takes at most 300 thresholds').default([]),
  })
  .strict()
  .superRefine((value, context) => {
    const allowed = new Set(value.allowed_countries);
    const seen = new Set<string>();
    value.thresholds.forEach((t, i) => {
      if (seen.has(t.country)) context.addIssue({ code: z.ZodIssueCode.custom, path: ['thresholds', i, 'country'], message: 'has a threshold already' });
      if (!allowed.has(t.country)) context.addIssue({ code: z.ZodIssueCode.custom, path: ['thresholds', i, 'country'], message: 'is not in allowed_countries' });
      seen.add(t.country);
    });
  });

export const putSpendLimitSchema = z
  .object({
    monthly_limit: z
      .union([z.number(), z.string()], { invalid_type_error: 'must be a decimal amount' })
      .transform((v) => String(v).trim())
      .refine((v) => /^\d{1,9}(\.\d{1,5})?$/.test(v), 'must be a decimal amount, 0 or more, with at most 5 decimals'),
  })
  .strict();

const thresholdDoc: SchemaObject = {
  type: 'object',
  required: ['country', 'messages_per_hour', 'action'],
  properties: {
    country: { type: 'string', example: 'GB', description: 'ISO 3166 alpha-2; must be in allowed_countries' },
    messages_per_hour: { type: 'integer', minimum: 1, description: 'messages to the country per hour window (whole UTC hours), counted per (sub)account' },
    action: { type: 'string', enum: [...THRESHOLD_ACTIONS], description: 'block: messages past it fail with 451 until the block ends; alert: an operator alert, once per hour window; ignore' },
    block_minutes: {
      type: 'integer',
      nullable: true,
      minimum: 1,
      maximum: 10_080,
      description: 'block only: the block lasts at least this long from the message that passed the threshold; null (default): the rest of the hour window',
    },
  },
};

export const CONTROLS_DOC_SCHEMAS = {
  putGeoPermissions: {
    type: 'object',
    required: ['allowed_countries'],
    properties: {
      allowed_countries: { type: 'array', items: { type: 'string', example: 'US' }, description: 'destination countries the account may send to; others fail with 450' },
      thresholds: { type: 'array', items: thresholdDoc },
    },
  },
  putSpendLimit: {
    type: 'object',
    required: ['monthly_limit'],
    properties: { monthly_limit: { type: 'string', example: '250.00', description: 'per calendar month (UTC); a main account\'s covers its subaccounts\' spend too' } },
  },
} satisfies Record<string, SchemaObject>;
