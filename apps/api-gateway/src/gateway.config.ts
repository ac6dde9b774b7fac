import { databaseEnv, httpEnv, kafkaEnv, nonNegativeMs, positiveInt, z } from '@sluice/config';
import { accountTokenKeyEnv } from '@sluice/persistence';

const milliseconds = positiveInt('a number of milliseconds');
const days = positiveInt('a whole number of days');

/** Crash-test hooks: the process kills itself at that point of the N-th acceptance batch. Never set in production. */
export const FAILPOINTS = ['before-produce', 'after-produce', 'after-commit'] as const;
export type Failpoint = (typeof FAILPOINTS)[number];

export const gatewayEnv = httpEnv
  .merge(databaseEnv)
  .merge(kafkaEnv)
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
    /** Hosts, IPs or CIDRs media URLs may point at although private or loopback (by default they are refused). */
    MEDIA_ALLOWED_HOSTS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry.length > 0),
      ),

    /** Counting the list's `total_count` stops here; beyond, it reports this number and `next` still pages on. */
    LIST_COUNT_CAP: positiveInt('a positive whole number').default(10_000),

    /** How often the retention job runs; 0 turns it off on this replica. */
    RETENTION_INTERVAL_MS: nonNegativeMs(86_400_000).default(60_000),
    RETENTION_CONTENT_DAYS: days.default(7),
    RETENTION_NUMBER_DAYS: days.default(90),
    RETENTION_RECORD_DAYS: days.default(90),
    RETENTION_BATCH: positiveInt('a positive whole number').default(5_000),
  });

export type GatewayConfig = z.output<typeof gatewayEnv>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
