import { databaseEnv, httpEnv, kafkaEnv, positiveInt, redisEnv } from '@sluice/config';

export const governorEnv = httpEnv
  .merge(databaseEnv)
  .merge(redisEnv)
  .merge(kafkaEnv)
  .extend({
    KAFKA_GROUP_ID: kafkaEnv.shape.KAFKA_CLIENT_ID.unwrap().default('rate-governor'),
    /** How long an account's MPS is cached; a change in Postgres applies within this time. */
    QUOTA_CACHE_TTL_MS: positiveInt('a number of milliseconds').default(5_000),
  });

export type GovernorConfig = ReturnType<typeof governorEnv.parse>;
export const GOVERNOR_CONFIG = Symbol('GOVERNOR_CONFIG');
