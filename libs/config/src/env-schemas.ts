// Reusable pieces of app configuration; each app composes only the ones it uses.
import { z } from 'zod';
import { CPU_SCHEDULING_POLICIES, DEFAULT_CPU_SCHEDULING } from './cpu-scheduling';

const port = z.coerce
  .number({ invalid_type_error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

export const positiveInt = (what: string) =>
  z.coerce.number({ invalid_type_error: `must be ${what}` }).int(`must be ${what}`).positive(`must be ${what}`);

/** A duration where 0 means "none", up to `maxMs`. */
export const nonNegativeMs = (maxMs = 3_600_000) =>
  z.coerce
    .number({ invalid_type_error: 'must be a number of milliseconds (0 or more)' })
    .int('must be a whole number of milliseconds')
    .min(0, 'must be a number of milliseconds (0 or more)')
    .max(maxMs, `must be at most ${maxMs}`);

export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { errorMap: () => ({ message: 'must be true or false' }) })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const urlWithProtocol = (protocols: readonly string[], example: string) =>
  z
    .string({ required_error: `is required (e.g. ${example})` })
    .min(1, `is required (e.g. ${example})`)
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `must be a ${protocols.join(' or ')}// URL (e.g. ${example})`);

export const httpEnv = z.object({
  PORT: port,
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long graceful shutdown may take before in-flight work is handed back. */
  SHUTDOWN_TIMEOUT_MS: positiveInt('a number of milliseconds').default(10_000),
  /** The Linux scheduling policy of the process's threads (src/cpu-scheduling.ts). */
  CPU_SCHEDULING: z.enum(CPU_SCHEDULING_POLICIES, { errorMap: () => ({ message: `must be ${CPU_SCHEDULING_POLICIES.join(' or ')}` }) }).default(DEFAULT_CPU_SCHEDULING),
});

/** Connections per process (DATABASE_POOL_SIZE) when none is set. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;

export const databaseEnv = z.object({
  DATABASE_URL: urlWithProtocol(['postgres:', 'postgresql:'], 'postgres://sluice:sluice@127.0.0.1:55432/sluice'),
  DATABASE_POOL_SIZE: positiveInt('a positive whole number').default(DEFAULT_DATABASE_POOL_SIZE),
});

export const redisEnv = z.object({
  REDIS_URL: urlWithProtocol(['redis:', 'rediss:'], 'redis://127.0.0.1:56379'),
});

export const kafkaEnv = z.object({
  KAFKA_BROKERS: z
    .string({ required_error: 'is required (e.g. 127.0.0.1:59092)' })
    .min(1, 'is required (e.g. 127.0.0.1:59092)')
    .transform((v) => v.split(',').map((b) => b.trim()))
    .refine((brokers) => brokers.every((b) => /^[\w.-]+:\d{1,5}$/.test(b)), 'must be host:port[,host:port...]'),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
});

/** How long something may stay down before the process exits for its supervisor to restart it: 0 never, else 1 s to 1 h. */
const maxDownMs = nonNegativeMs().refine((ms) => ms === 0 || ms >= 1_000, 'must be 0 (never exit) or at least 1000');

/** Apps with Kafka consumers. */
export const consumerSupervisionEnv = z.object({
  /** A consumer out of its group, or failing with no progress, this long makes the process exit. */
  CONSUMER_MAX_DOWN_MS: maxDownMs.default(120_000),
});

/** Apps with long-running loops (claims, sweeps, retention). */
export const loopSupervisionEnv = z.object({
  /** A loop failing with no successful pass this long makes the process exit. */
  LOOP_MAX_DOWN_MS: maxDownMs.default(120_000),
});

/** The expiry sweep (rate-governor and carrier-dispatch both run it; any replica may). */
export const expirySweepEnv = z.object({
  /** How often messages still queued past their message_expiry are failed with 420; 0 never. */
  EXPIRY_SWEEP_MS: nonNegativeMs(60_000).default(1_000),
  /** How long past its expiry a message is left to a dispatcher that may be submitting it. */
  EXPIRY_SWEEP_GRACE_MS: nonNegativeMs(600_000).default(2_000),
});

/**
 * The guard bands of pacing, one home for both (rate-governor books with the first,
 * carrier-dispatch admits with the second): every window is taken this much longer than the quota.
 */
export const quotaGuardEnv = z.object({
  /**
   * Added to every quota window when the governor books a slot: only paces the schedule, the
   * admission is what the carrier's windows rely on. Best near the time from admission to the
   * carrier's answer (dispatch_admission_to_answer_ms), by which each admitted unit counts later.
   */
  QUOTA_GUARD_MS: nonNegativeMs(60_000).default(10),
  /**
   * Added to every quota window when carrier-dispatch admits a message at hand-off. A unit
   * counts as in flight until the carrier answers its submit and from that answer on (the
   * carrier had it by then), so no delay on the way needs a band: this is only an operator's
   * margin, e.g. for a carrier that counts a submit it answers late at its own later time.
   */
  QUOTA_ADMISSION_GUARD_MS: nonNegativeMs(60_000).default(0),
});

export type HttpEnv = z.output<typeof httpEnv>;
export type DatabaseEnv = z.output<typeof databaseEnv>;
export type RedisEnv = z.output<typeof redisEnv>;
export type KafkaEnv = z.output<typeof kafkaEnv>;
export type QuotaGuardEnv = z.output<typeof quotaGuardEnv>;
