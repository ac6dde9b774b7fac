import type { CarrierId } from './carrier';
import type { SmsSubmittedPayload } from './sms-submitted/sms-submitted.payload';

/** An entry of the dispatch schedule: what carrier-dispatch submits at `dueAt`. */
export interface DispatchJob {
  readonly message: SmsSubmittedPayload;
  /** Epoch milliseconds (Redis time) of its turn: the governor's booked slot, or when admission said to try again. */
  readonly dueAt: number;
  /**
   * The destination's carrier, from the carrier prefix table: it picks the SMPP route and
   * gives the message its MCC/MNC. Absent on jobs scheduled before it was recorded.
   */
  readonly carrier?: CarrierId;
  /**
   * The window quotas the message is admitted against when it is handed to the carrier, as
   * the governor resolved them. Absent on jobs scheduled before it was recorded: the
   * dispatcher resolves them itself.
   */
  readonly quota?: DispatchQuota;
  /**
   * Set once admission refused the message and gave it a place in its quotas' line (their
   * lanes), or admitted it and the carrier could not be reached: when it comes back it is
   * judged on room alone, while a message without a place goes behind a line that is ahead
   * of now, so a backlog goes out first come first served.
   */
  readonly inLine?: true;
  /** Its place in that line (line time, Redis ms): it comes back at that place plus how far the line has fallen behind. */
  readonly linePlace?: number;
}

/** A message's window quotas (WindowQuota of @sluice/domain) and the root account whose hash tag their keys carry. */
export interface DispatchQuota {
  readonly rootAccountId: string;
  readonly windows: ReadonlyArray<{ readonly kind: string; readonly scope: string; readonly limit: number; readonly windowMs: number }>;
}
