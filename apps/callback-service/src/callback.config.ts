import { databaseEnv, httpEnv, kafkaEnv, positiveInt } from '@sluice/config';

export const callbackEnv = httpEnv
  .merge(databaseEnv)
  .merge(kafkaEnv)
  .extend({
    KAFKA_GROUP_ID: kafkaEnv.shape.KAFKA_CLIENT_ID.unwrap().default('callback-service'),
    /** Plivo waits 8 s for the customer's endpoint. */
    CALLBACK_TIMEOUT_MS: positiveInt('a number of milliseconds').default(8_000),
  });

export type CallbackConfig = ReturnType<typeof callbackEnv.parse>;
export const CALLBACK_CONFIG = Symbol('CALLBACK_CONFIG');
