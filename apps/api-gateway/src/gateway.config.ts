import { databaseEnv, httpEnv, kafkaEnv, positiveInt } from '@sluice/config';

export const gatewayEnv = httpEnv
  .merge(databaseEnv)
  .merge(kafkaEnv)
  .extend({
    /** Largest request body accepted, in bytes. */
    BODY_LIMIT_BYTES: positiveInt('a number of bytes').default(1024 * 1024),
    /** How long a verified credential is trusted before Postgres is asked again. */
    AUTH_CACHE_TTL_MS: positiveInt('a number of milliseconds').default(30_000),
  });

export type GatewayConfig = ReturnType<typeof gatewayEnv.parse>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
