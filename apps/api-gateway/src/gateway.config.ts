import { bool, databaseEnv, httpEnv, kafkaEnv, loopSupervisionEnv, nonNegativeMs, positiveInt, z } from '@sluice/config';
import { allowListSetting } from '@sluice/net-policy';
import { accountTokenKeyEnv } from '@sluice/persistence';

const milliseconds = positiveInt('a number of milliseconds');
const days = positiveInt('a whole number of days');

/** Crash-test hooks: the process kills itself at that point of the N-th acceptance batch. Never set in production. */
export const FAILPOINTS = ['before-produce', 'after-produce', 'after-commit'] as const;
export type Failpoint = (typeof FAILPOINTS)[number];

export const gatewayEnv = httpEnv
  .merge(databaseEnv)
  .merge(kafkaEnv)
  .merge(loopSupervisionEnv)
  .merge(accountTokenKeyEnv)
  .extend({
    /** Largest request body accepted, in bytes. */
    BODY_LIMIT_BYTES: positiveInt('a number of bytes').default(1024 * 1024),
    /** How long verified credentials are trusted before Postgres is asked again (edits through the admin API apply at once). */
    AUTH_CACHE_TTL_MS: milliseconds.default(30_000),
    /** Optional: with it the per-account API request rate is shared by all gateway replicas; without it each replica counts alone. */
    REDIS_URL: z
      .string()
      .refine((value) => /^rediss?:\/\/./.test(value), 'must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:56379)')
      .optional(),
    /** API requests per second per account unless the account has its own `api_request_rate`. */
    API_REQUEST_RATE: positiveInt('a positive whole number of requests per second').default(100),
    /** Bearer token of the admin API (/admin/v1, OpenAPI at /docs); the admin API is off without it. */
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),

    /** Most messages in one Kafka hand-off. */
    ACCEPT_BATCH_MAX_MESSAGES: positiveInt('a positive whole number').default(1_000),
    /**
     * How long the first request of a Kafka hand-off waits for others to join it (0: none).
     * Fewer, larger hand-offs and inserts cost less CPU per message; each 202 comes up to that much later.
     */
    ACCEPT_LINGER_MS: nonNegativeMs(1_000).default(40),
    /** The linger ends as soon as this many messages wait: under heavy load a hand-off fills long before it would. */
    ACCEPT_LINGER_MESSAGES: positiveInt('a positive whole number').default(50),
    /** Kafka hand-offs in flight at once (one producer each); requests arriving meanwhile join the next. */
    ACCEPT_CONCURRENCY: positiveInt('a positive whole number').default(4),
    /** Insert statements (commits) in flight at once; each writes every acknowledged batch waiting. */
    ACCEPT_INSERT_CONCURRENCY: positiveInt('a positive whole number').default(2),
    /** Messages waiting for a batch beyond which sends are refused with 503 (back-pressure). */
    ACCEPT_QUEUE_MAX_MESSAGES: positiveInt('a positive whole number').default(50_000),
    /**
     * A request whose rows are not being written this long after it arrived is refused (503),
     * and the insert itself is aborted by Postgres after half this time: downstream drops
     * Kafka records whose row has not appeared within its grace period (rate-governor
     * UNCOMMITTED_GRACE_MS, 10 s), so 1.5 × this must stay below that grace.
     */
    ACCEPT_DEADLINE_MS: milliseconds.default(5_000),
    GATEWAY_FAILPOINT: z.enum(FAILPOINTS).optional(),
    /** Which batch (1 = the first) the failpoint fires in. */
    GATEWAY_FAILPOINT_BATCH: positiveInt('a positive whole number').default(1),

    /** Time allowed for each MMS media URL to answer. */
    MEDIA_FETCH_TIMEOUT_MS: milliseconds.default(5_000),
    /** Hostnames, IPs or CIDRs media URLs may point at although private, loopback or link-local (by default they are refused). */
    MEDIA_ALLOWED_HOSTS: allowListSetting.default(''),

    /** Counting the list's `total_count` stops here; beyond, it reports this number and `next` still pages on. */
    LIST_COUNT_CAP: positiveInt('a positive whole number').default(10_000),
    /** MDR exports streaming at once on this replica; each holds one of the DATABASE_POOL_SIZE connections until it ends. */
    EXPORT_CONCURRENCY: positiveInt('a positive whole number').default(2),

    /** How often the retention job runs; 0 turns it off on this replica. */
    RETENTION_INTERVAL_MS: nonNegativeMs(86_400_000).default(60_000),
    RETENTION_CONTENT_DAYS: days.default(7),
    RETENTION_NUMBER_DAYS: days.default(90),
    RETENTION_RECORD_DAYS: days.default(90),
    RETENTION_BATCH: positiveInt('a positive whole number').default(5_000),

    /** Unusual-traffic alerts (rate spikes, bursts to new destinations, SMS pumping) on ops.alerts.v1. */
    TRAFFIC_ALERTS: bool.default('true'),
    /** The trailing window an account's last minute is compared with. */
    TRAFFIC_BASELINE_MINUTES: upTo(360, 'a whole number of minutes').default(60),
    /** A rate spike: the last minute's rate is at least this many times the baseline's average a minute... */
    TRAFFIC_SPIKE_FACTOR: z.coerce
      .number({ invalid_type_error: 'must be a number' })
      .min(1, 'must be at least 1')
      .max(1_000, 'must be at most 1000')
      .default(5),
    /** ...and at least this many messages a minute, so a quiet account's handful is no alert. */
    TRAFFIC_SPIKE_MIN_PER_MINUTE: positiveInt('a positive whole number of messages').default(60),
    /** A burst to a new destination: at least this many messages to one country or area code... */
    TRAFFIC_NEW_DESTINATION_MIN_MESSAGES: positiveInt('a positive whole number of messages').default(20),
    /** ...within this long after the first of them... */
    TRAFFIC_NEW_DESTINATION_WINDOW_MS: upTo(86_400_000, 'a number of milliseconds').default(300_000),
    /** ...when the account had sent nothing there for this many hours. */
    TRAFFIC_DESTINATION_MEMORY_HOURS: upTo(720, 'a whole number of hours').default(24),
    /** SMS pumping: OTP-like texts to at least this many distinct numbers... */
    TRAFFIC_PUMPING_MIN_DESTINATIONS: positiveInt('a positive whole number').default(50),
    /** ...within this many minutes... */
    TRAFFIC_PUMPING_WINDOW_MINUTES: upTo(60, 'a whole number of minutes').default(10),
    /** ...and at least this share (0–1) of the account's messages in that window OTP-like. */
    TRAFFIC_PUMPING_MIN_OTP_SHARE: z.coerce
      .number({ invalid_type_error: 'must be a number from 0 to 1' })
      .min(0, 'must be a number from 0 to 1')
      .max(1, 'must be a number from 0 to 1')
      .default(0.8),
    /** At most one alert per account and kind in this period (across replicas when REDIS_URL is set). */
    TRAFFIC_ALERT_COOLDOWN_MS: milliseconds.default(3_600_000),
  });

function upTo(max: number, what: string) {
  return positiveInt(`${what} from 1 to ${max}`).max(max, `must be ${what} from 1 to ${max}`);
}

export type GatewayConfig = z.output<typeof gatewayEnv>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
