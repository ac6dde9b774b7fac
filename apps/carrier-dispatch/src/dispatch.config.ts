import { bool, databaseEnv, expirySweepEnv, httpEnv, kafkaEnv, loopSupervisionEnv, nonNegativeMs, positiveInt, quotaGuardEnv, redisEnv, z } from '@sluice/config';
import { CarrierId, isCarrierId } from '@sluice/contracts';

const systemId = z.string({ required_error: 'is required (the bind system_id)' }).min(1, 'is required (the bind system_id)').max(15, 'is at most 15 characters (SMPP 3.4)');
const password = z.string({ required_error: 'is required (the bind password)' }).min(1, 'is required (the bind password)').max(8, 'is at most 8 characters (SMPP 3.4)');
const smppPort = positiveInt('a port number').max(65535, 'must be a port number');

/** One SMSC connection: where, with which credentials, over how many binds. */
const routeSchema = z
  .object({
    host: z.string({ required_error: 'is required' }).min(1, 'is required'),
    port: smppPort,
    systemId,
    password,
    binds: positiveInt('a positive whole number').max(64, 'must be at most 64').optional(),
  })
  .strict();
export type SmppRouteSettings = z.output<typeof routeSchema>;

/**
 * SMPP_ROUTES: a JSON object from carrier id to the SMSC that carries it, e.g.
 * {"tmobile": {"host": "smsc.example", "port": 2775, "systemId": "sluice", "password": "..."}}.
 * Carriers without an entry use the default route (SMPP_HOST, SMPP_PORT, ...).
 */
const routes = z
  .string()
  .optional()
  .transform((text, ctx): Partial<Record<CarrierId, SmppRouteSettings>> => {
    if (text === undefined || text.trim() === '') return {};
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a JSON object from carrier id to route' });
      return z.NEVER;
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a JSON object from carrier id to route' });
      return z.NEVER;
    }
    const parsed: Partial<Record<CarrierId, SmppRouteSettings>> = {};
    for (const [carrier, value] of Object.entries(document)) {
      if (!isCarrierId(carrier)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${carrier}" is not a carrier id (known: ${Object.values(CarrierId).join(', ')})` });
        continue;
      }
      const route = routeSchema.safeParse(value);
      if (!route.success) {
        for (const issue of route.error.issues) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${[carrier, ...issue.path].join('.')} ${issue.message}` });
        continue;
      }
      parsed[carrier] = route.data;
    }
    return parsed;
  });

export const dispatchEnv = httpEnv
  .merge(databaseEnv)
  .merge(redisEnv)
  .merge(kafkaEnv)
  .merge(loopSupervisionEnv)
  .merge(expirySweepEnv)
  .merge(quotaGuardEnv.pick({ QUOTA_ADMISSION_GUARD_MS: true }))
  .extend({
    SMPP_HOST: z.string().min(1).default('127.0.0.1'),
    SMPP_PORT: smppPort.default(2775),
    SMPP_SYSTEM_ID: systemId,
    SMPP_PASSWORD: password,
    /** Transceiver binds to the carrier, used round-robin. */
    SMPP_BINDS: positiveInt('a positive whole number').default(2),
    /** Carriers reached through their own SMSC (see routes above); the rest use the default route. */
    SMPP_ROUTES: routes,
    /** Tries of one submit_sm when no response comes (each may reach the carrier). */
    SMPP_SUBMIT_ATTEMPTS: positiveInt('a positive whole number').default(3),
    /** Most submit_sm awaiting their response at once. */
    SMPP_WINDOW: positiveInt('a positive whole number').default(50),
    SMPP_RESPONSE_TIMEOUT_MS: positiveInt('a number of milliseconds').default(10_000),
    SMPP_ENQUIRE_LINK_MS: positiveInt('a number of milliseconds').default(30_000),
    /**
     * The longest wait between two attempts of one bind to bind again (the first waits 250 ms,
     * doubling up to this). The binds of a route take turns, so a carrier that is back after an
     * outage is found within this ÷ SMPP_BINDS: every bind tries this often while it is away.
     */
    SMPP_RECONNECT_MS: positiveInt('a number of milliseconds').default(500),
    /** A claimed job not finished within this time becomes due again for any dispatcher. */
    SCHEDULE_LEASE_MS: positiveInt('a number of milliseconds').default(30_000),
    /**
     * Jobs due within this time are claimed early and ask for admission at once: room that
     * comes within this time and 50 ms more is given for its moment, and the job waits for it
     * in the dispatcher. So the claim, the state lookups and the admission round trip are not
     * part of its lateness, and a line whose turns lag the room catches up by this much. Each
     * job waiting counts against SMPP_WINDOW × SMPP_BINDS. 0 claims only due jobs.
     */
    DISPATCH_CLAIM_AHEAD_MS: nonNegativeMs(1_000).default(200),
    /** How soon the schedule is looked at again while every bind's window is full or no bind is up. */
    SCHEDULE_POLL_MS: positiveInt('a number of milliseconds').default(20),
    /**
     * How often an idle dispatcher looks at the schedule when nothing wakes it: a job that
     * becomes the schedule's earliest wakes every dispatcher at once (Redis pub/sub), so this
     * only bounds how soon jobs of a dead dispatcher, or a missed wake-up, are seen.
     */
    SCHEDULE_IDLE_POLL_MS: positiveInt('a number of milliseconds').default(1_000),
    /** How long the quota rules read from Postgres (for jobs that do not carry their quotas, and window rebuilds) are cached. */
    QUOTA_CACHE_TTL_MS: positiveInt('a number of milliseconds').default(5_000),
    /** How often receipts kept before their part, and receipts a crash left unapplied, are swept. */
    RECEIPT_SWEEP_MS: positiveInt('a number of milliseconds').default(5_000),
    /** A receipt whose carrier id matches no part for this long is dropped. */
    EARLY_RECEIPT_TTL_MS: positiveInt('a number of milliseconds').default(86_400_000),
    /**
     * A concatenated inbound message still missing parts this long after its first part
     * arrived is stored with the parts that came (see the README, Inbound messages).
     */
    INBOUND_PART_TIMEOUT_MS: positiveInt('a number of milliseconds').max(86_400_000, 'must be at most 86400000 (a day)').default(120_000),
    /** How often dispatchers look for such messages. */
    INBOUND_PART_SWEEP_MS: positiveInt('a number of milliseconds').default(5_000),
    /** Register delivery receipts with the carrier. */
    REQUEST_RECEIPTS: bool.default('true'),
  });

export type DispatchConfig = ReturnType<typeof dispatchEnv.parse>;
export const DISPATCH_CONFIG = Symbol('DISPATCH_CONFIG');
