import { databaseEnv, httpEnv, kafkaEnv, positiveInt, z } from '@sluice/config';
import { accountTokenKeyEnv } from '@sluice/persistence';
import { parseAllowList } from './destination-policy';

const milliseconds = positiveInt('a number of milliseconds');

const delayList = z
  .string()
  .regex(/^\s*(\d+\s*(,\s*\d+\s*)*)?$/, 'must be milliseconds separated by commas (e.g. 60000,120000,240000), or empty for no retries')
  .transform((value) => (value.trim() === '' ? [] : value.split(',').map((v) => Number(v.trim()))))
  .refine((delays) => delays.length <= 10 && delays.every((d) => d > 0 && d <= 86_400_000), 'must be at most 10 waits, each 1 to 86400000 ms');

const allowList = z.string().transform((value, context) => {
  try {
    return parseAllowList(value);
  } catch (error: unknown) {
    context.addIssue({ code: z.ZodIssueCode.custom, message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

export const callbackEnv = httpEnv
  .merge(databaseEnv)
  .merge(kafkaEnv)
  .merge(accountTokenKeyEnv)
  .extend({
    KAFKA_GROUP_ID: kafkaEnv.shape.KAFKA_CLIENT_ID.unwrap().default('callback-service'),
    /** Plivo waits 8 s for the customer's endpoint. */
    CALLBACK_TIMEOUT_MS: milliseconds.default(8_000),
    /** Plivo retries after 60, 120 and 240 s; an account's own schedule replaces it. */
    CALLBACK_RETRY_DELAYS_MS: delayList.default('60000,120000,240000'),
    /** HTTP requests in flight per replica. */
    CALLBACK_CONCURRENCY: positiveInt('a positive whole number').default(64),
    /** HTTP requests in flight per replica to one destination (scheme, host and port). */
    CALLBACK_DESTINATION_CONCURRENCY: positiveInt('a positive whole number').default(8),
    /** A claimed callback not finished within this time is taken by another replica; must exceed CALLBACK_TIMEOUT_MS. */
    CALLBACK_LEASE_MS: milliseconds.default(30_000),
    /** How often an idle replica looks for due callbacks (retries, other replicas' enqueues). */
    CALLBACK_POLL_MS: milliseconds.default(250),
    /** Consecutive failures (timeouts, connection errors, 5xx, 429) that open a destination's circuit. */
    CALLBACK_BREAKER_FAILURES: positiveInt('a positive whole number').default(5),
    /** How long an open circuit fails callbacks without sending them before one probe is let through. */
    CALLBACK_BREAKER_COOLDOWN_MS: milliseconds.default(30_000),
    /** Most response bytes read; the connection is dropped past it (the status code alone decides). */
    CALLBACK_MAX_RESPONSE_BYTES: positiveInt('a number of bytes').default(64 * 1024),
    /** Hostnames, IPs and CIDRs callbacks may reach although private, loopback or link-local. */
    CALLBACK_ALLOWED_HOSTS: allowList.default(''),
    /** Bearer token for GET /admin/callbacks/:messageUuid; the endpoint is off without it. */
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  })
  .superRefine((config, context) => {
    if (config.CALLBACK_LEASE_MS <= config.CALLBACK_TIMEOUT_MS + 1_000) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['CALLBACK_LEASE_MS'],
        message: `must be more than CALLBACK_TIMEOUT_MS + 1000 (${config.CALLBACK_TIMEOUT_MS + 1_000}), or a slow attempt would be taken over while it runs`,
      });
    }
  });

export type CallbackConfig = z.output<typeof callbackEnv>;
export const CALLBACK_CONFIG = Symbol('CALLBACK_CONFIG');
