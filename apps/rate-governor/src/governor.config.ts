import { databaseEnv, httpEnv, kafkaEnv, nonNegativeMs, positiveInt, redisEnv, z } from '@sluice/config';

export const governorEnv = httpEnv
  .merge(databaseEnv)
  .merge(redisEnv)
  .merge(kafkaEnv)
  .extend({
    KAFKA_GROUP_ID: kafkaEnv.shape.KAFKA_CLIENT_ID.unwrap().default('rate-governor'),
    /** How long an account's MPS is cached; a change in Postgres applies within this time. */
    QUOTA_CACHE_TTL_MS: positiveInt('a number of milliseconds').default(5_000),
    /** Added to every quota window when booking, to absorb dispatch lateness (see docs). */
    QUOTA_GUARD_MS: nonNegativeMs(60_000).default(120),
    /** Shifts Redis time for the quota calendar (Pacific days); for tests that cross a midnight. Keep 0 in production. */
    QUOTA_CLOCK_OFFSET_MS: z.coerce.number({ invalid_type_error: 'must be a number of milliseconds' }).int().default(0),
    /** Accounts with the largest backlogs reported by the per-account backlog gauge (bounds its label count). */
    BACKLOG_METRIC_ACCOUNTS: positiveInt('a positive whole number').max(10_000, 'must be at most 10000').default(20),
    /** How long after acceptance a record may wait for the gateway's commit to become visible. */
    UNCOMMITTED_GRACE_MS: positiveInt('a number of milliseconds').default(10_000),
  });

export type GovernorConfig = ReturnType<typeof governorEnv.parse>;
export const GOVERNOR_CONFIG = Symbol('GOVERNOR_CONFIG');
