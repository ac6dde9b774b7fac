// How many jobs a dispatcher may claim now: its window, and room for the records of what the carrier answered.

/**
 * Jobs the carrier has answered, whose records (parts, `sent`, the schedule's ack, the status
 * event) are still being written, may number this many windows besides the window itself:
 * the writes wait for their batches, and under load they take longer than the carrier's
 * answer. Counting them against the window held a dispatcher with the default window to
 * about 1,000 messages a second (docs/benchmarks.md); the bound keeps what a crash leaves
 * written only at the carrier small.
 */
export const RECORDING_WINDOWS = 3;

export interface JobsInHand {
  /** SMPP_WINDOW × SMPP_BINDS. */
  readonly window: number;
  /** Claimed and not yet answered by the carrier: waiting for their moment, or for their submits' answers. */
  readonly awaitingCarrier: number;
  /** Every job in hand, those whose records are being written included. */
  readonly total: number;
}

/** The jobs that may be claimed now (0 or more). */
export function claimRoom({ window, awaitingCarrier, total }: JobsInHand): number {
  return Math.max(0, Math.min(window - awaitingCarrier, (1 + RECORDING_WINDOWS) * window - total));
}
