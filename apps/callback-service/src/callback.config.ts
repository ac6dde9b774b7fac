import { consumerSupervisionEnv, databaseEnv, httpEnv, kafkaEnv, loopSupervisionEnv, positiveInt, z } from '@sluice/config';
import { allowListSetting } from '@sluice/net-policy';
import { accountTokenKeyEnv } from '@sluice/persistence';

const milliseconds = positiveInt('a number of milliseconds');
/** Half the status consumer's Kafka session timeout (10 s): a batch held longer could cost the replica its partitions. */
const MAX_FEED_HOLD_MS = 5_000;

const delayList = z
  .string()
  .regex(/^\s*(\d+\s*(,\s*\d+\s*)*)?$/, 'must be milliseconds separated by commas (e.g. 60000,120000,240000), or empty for no retries')
  .transform((value) => (value.trim() === '' ? [] : value.split(',').map((v) => Number(v.trim()))))
  .refine((delays) => delays.length <= 10 && delays.every((d) => d > 0 && d <= 86_400_000), 'must be at most 10 waits, each 1 to 86400000 ms');

export const callbackEnv = httpEnv
  .merge(databaseEnv)
  .merge(kafkaEnv)
  .merge(consumerSupervisionEnv)
  .merge(loopSupervisionEnv)
  .merge(accountTokenKeyEnv)
  .extend({
    KAFKA_GROUP_ID: kafkaEnv.shape.KAFKA_CLIENT_ID.unwrap().default('callback-service'),
    /** Plivo waits 8 s for the customer's endpoint. */
    CALLBACK_TIMEOUT_MS: milliseconds.default(8_000),
    /** Plivo retries after 60, 120 and 240 s; an account's own schedule replaces it. */
    CALLBACK_RETRY_DELAYS_MS: delayList.default('60000,120000,240000'),
    /** HTTP requests in flight per replica. */
    CALLBACK_CONCURRENCY: positiveInt('a positive whole number').default(64),
    /** HTTP requests in flight per replica to one destination (scheme, host and port), at first and at least. */
    CALLBACK_DESTINATION_CONCURRENCY: positiveInt('a positive whole number').default(8),
    /** The most that limit grows to for a destination that keeps callbacks waiting and answers them fast. */
    CALLBACK_DESTINATION_MAX_CONCURRENCY: positiveInt('a positive whole number').default(128),
    /** A claimed callback not finished within this time is taken by another replica; must exceed CALLBACK_TIMEOUT_MS. */
    CALLBACK_LEASE_MS: milliseconds.default(30_000),
    /**
     * How long the status feed waits for the callbacks it leased to end before it commits
     * its offsets: those still under way then get a row leased to the replica, as a claim
     * would lease it. A callback answered within it costs one insert.
     */
    CALLBACK_FEED_HOLD_MS: milliseconds.max(MAX_FEED_HOLD_MS, `must be at most ${MAX_FEED_HOLD_MS}: the consumer sends no heartbeat while its batch waits`).default(1_000),
    /** How soon a replica looks again for due callbacks (retries, other replicas' enqueues) after a look that found none. */
    CALLBACK_POLL_MS: milliseconds.default(250),
    /** The longest that wait grows to, doubling while looks find nothing; retries scheduled by the replica are looked for on time. */
    CALLBACK_IDLE_POLL_MS: milliseconds.default(2_000),
    /** Consecutive failures (timeouts, connection errors, 5xx, 429) that open a destination's circuit. */
    CALLBACK_BREAKER_FAILURES: positiveInt('a positive whole number').default(5),
    /** How long an open circuit fails callbacks without sending them before one probe is let through. */
    CALLBACK_BREAKER_COOLDOWN_MS: milliseconds.default(30_000),
    /** Most response bytes read; the connection is dropped past it (the status code alone decides). */
    CALLBACK_MAX_RESPONSE_BYTES: positiveInt('a number of bytes').default(64 * 1024),
    /** Hostnames, IPs and CIDRs callbacks may reach although private, loopback or link-local. */
    CALLBACK_ALLOWED_HOSTS: allowListSetting.default(''),
    /** Bearer token for GET /admin/callbacks/:messageUuid; the endpoint is off without it. */
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** The api-gateway whose admin API sends the Message XML replies to inbound messages; unset, replies are recorded as not sent. */
    GATEWAY_ADMIN_URL: z
      .string()
      .refine(isHttpUrl, 'must be an http:// or https:// URL of the api-gateway (e.g. http://api-gateway:8080)')
      .optional(),
    /** The gateway's ADMIN_TOKEN; required with GATEWAY_ADMIN_URL. */
    GATEWAY_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),

    /** The operator's webhook for ops alerts; unset, alerts are recorded, counted and logged only. */
    ALERT_WEBHOOK_URL: z
      .string()
      .refine(isHttpUrl, 'must be an http:// or https:// URL (e.g. https://ops.example.com/sluice-alerts)')
      .optional(),
    /** HMAC-SHA256 key of X-Sluice-Signature; required with ALERT_WEBHOOK_URL. */
    ALERT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Hostnames, IPs and CIDRs the alert webhook may reach although private, loopback or link-local. */
    ALERT_ALLOWED_HOSTS: allowListSetting.default(''),
    /** Waits before each retry of an alert delivery; after the last one the alert is `failed`. */
    ALERT_RETRY_DELAYS_MS: delayList.default('10000,60000,300000,900000'),
    /** Per attempt, connection to last byte read. */
    ALERT_TIMEOUT_MS: milliseconds.default(8_000),
  })
  .superRefine((config, context) => {
    if (config.GATEWAY_ADMIN_URL !== undefined && config.GATEWAY_ADMIN_TOKEN === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['GATEWAY_ADMIN_TOKEN'],
        message: "is required when GATEWAY_ADMIN_URL is set: the api-gateway's ADMIN_TOKEN, which replies to inbound messages are sent with",
      });
    }
    if (config.ALERT_WEBHOOK_URL !== undefined && config.ALERT_WEBHOOK_SECRET === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['ALERT_WEBHOOK_SECRET'],
        message: 'is required when ALERT_WEBHOOK_URL is set: at least 16 characters, the key the receiver checks X-Sluice-Signature with',
      });
    }
    if (config.CALLBACK_DESTINATION_MAX_CONCURRENCY < config.CALLBACK_DESTINATION_CONCURRENCY) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['CALLBACK_DESTINATION_MAX_CONCURRENCY'],
        message: `must be at least CALLBACK_DESTINATION_CONCURRENCY (${config.CALLBACK_DESTINATION_CONCURRENCY})`,
      });
    }
    if (config.CALLBACK_IDLE_POLL_MS < config.CALLBACK_POLL_MS) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['CALLBACK_IDLE_POLL_MS'],
        message: `must be at least CALLBACK_POLL_MS (${config.CALLBACK_POLL_MS})`,
      });
    }
    if (config.CALLBACK_LEASE_MS <= config.CALLBACK_TIMEOUT_MS + 1_000) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['CALLBACK_LEASE_MS'],
        message: `must be more than CALLBACK_TIMEOUT_MS + 1000 (${config.CALLBACK_TIMEOUT_MS + 1_000}), or a slow attempt would be taken over while it runs`,
      });
    }
  });

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export type CallbackConfig = z.output<typeof callbackEnv>;
export const CALLBACK_CONFIG = Symbol('CALLBACK_CONFIG');
