import { consumerSupervisionEnv, databaseEnv, expirySweepEnv, httpEnv, kafkaEnv, loopSupervisionEnv, nonNegativeMs, positiveInt, quotaGuardEnv, redisEnv, z } from '@sluice/config';

export const governorEnv = httpEnv
  .merge(databaseEnv)
  .merge(redisEnv)
  .merge(kafkaEnv)
  .merge(consumerSupervisionEnv)
  .merge(loopSupervisionEnv)
  .merge(expirySweepEnv)
  .merge(quotaGuardEnv)
  .extend({
    KAFKA_GROUP_ID: kafkaEnv.shape.KAFKA_CLIENT_ID.unwrap().default('rate-governor'),
    /** How long an account's MPS is cached; a change in Postgres applies within this time. */
    QUOTA_CACHE_TTL_MS: positiveInt('a number of milliseconds').default(5_000),
    /** Shifts Redis time for the quota calendar (Pacific days); for tests that cross a midnight. Keep 0 in production. */
    QUOTA_CLOCK_OFFSET_MS: z.coerce.number({ invalid_type_error: 'must be a number of milliseconds' }).int().default(0),
    /** Accounts with the largest backlogs reported by the per-account backlog gauge (bounds its label count). */
    BACKLOG_METRIC_ACCOUNTS: positiveInt('a positive whole number').max(10_000, 'must be at most 10000').default(20),
    /** How long after acceptance a record may wait for the gateway's commit to become visible. */
    UNCOMMITTED_GRACE_MS: positiveInt('a number of milliseconds').default(10_000),
    /**
     * A message queued this long after acceptance with no entry on the dispatch schedule, and
     * nothing left for the governor to read about it, is governed again; also the least time
     * between two re-governings of one message. 0 turns the reconciler off.
     */
    REGOVERN_AFTER_MS: nonNegativeMs(3_600_000).default(30_000),
    /** How often the reconciler checks the queue against the schedule. */
    REGOVERN_INTERVAL_MS: positiveInt('a number of milliseconds').default(5_000),
    /** Queued messages checked per run (in pages of 1,000); a longer queue is covered over several runs. */
    REGOVERN_SCAN_ROWS: positiveInt('a positive whole number').max(1_000_000, 'must be at most 1000000').default(10_000),
    /**
     * How far a Kafka record's timestamp (the producer's clock) may stray from the time it was
     * accepted or observed: clock skew between hosts plus produce delay.
     */
    REGOVERN_SLACK_MS: positiveInt('a number of milliseconds').max(600_000, 'must be at most 600000').default(5_000),
  });

export type GovernorConfig = ReturnType<typeof governorEnv.parse>;
export const GOVERNOR_CONFIG = Symbol('GOVERNOR_CONFIG');
