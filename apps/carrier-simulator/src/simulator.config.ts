// The carrier-simulator's environment: HTTP settings plus the SMPP listener and how the fake carrier behaves.
import { httpEnv, nonNegativeMs as nonNegativeMsUpTo, z } from '@sluice/config';

/** 0 is meaningful here (no latency, receipt at once). */
const nonNegativeMs = nonNegativeMsUpTo();

export const ReceiptOutcome = { Delivered: 'delivered', Undelivered: 'undelivered', Mixed: 'mixed' } as const;
export type ReceiptOutcome = (typeof ReceiptOutcome)[keyof typeof ReceiptOutcome];

export const simulatorEnv = httpEnv.merge(
  z.object({
    // Same rules as PORT (1..65535, readable message), reused rather than restated.
    SMPP_PORT: httpEnv.shape.PORT.default(2775),
    SMPP_HOST: z.string().min(1, 'must be a host name or address').default('127.0.0.1'),
    SMPP_SYSTEM_ID: z
      .string()
      .min(1, 'must not be empty')
      .max(15, 'must be at most 15 characters (SMPP 3.4 system_id)')
      .default('sluice'),
    SMPP_PASSWORD: z
      .string()
      .min(1, 'must not be empty')
      .max(8, 'must be at most 8 characters (SMPP 3.4 password)')
      .default('sluice'),
    SUBMIT_LATENCY_MS: nonNegativeMs.default(0),
    RECEIPT_DELAY_MS: nonNegativeMs.default(50),
    RECEIPT_OUTCOME: z
      .enum([ReceiptOutcome.Delivered, ReceiptOutcome.Undelivered, ReceiptOutcome.Mixed], {
        errorMap: () => ({ message: 'must be delivered, undelivered or mixed' }),
      })
      .default(ReceiptOutcome.Delivered),
    /**
     * JSON: per-carrier behaviour over the default set by the variables above. Kept as text
     * here and validated by loadSimulatorConfig, which names the field inside the document.
     */
    CARRIER_PROFILES: z.string().optional(),
    /** Makes error, receipt and jitter choices reproducible; a random one is picked (and logged) when unset. */
    SIMULATOR_SEED: z.string().min(1, 'must not be empty (leave it unset for a random seed)').max(200, 'must be at most 200 characters').optional(),
  }),
);

export type SimulatorConfig = z.output<typeof simulatorEnv>;

/** Injection token for the validated configuration. */
export const SIMULATOR_CONFIG = Symbol('SIMULATOR_CONFIG');
