import type { CarrierId } from './carrier';
import type { SmsSubmittedPayload } from './sms-submitted/sms-submitted.payload';

/** An entry of the dispatch schedule: what carrier-dispatch submits at `dueAt`. */
export interface DispatchJob {
  readonly message: SmsSubmittedPayload;
  /** Epoch milliseconds (Redis time) at which every quota has room for the message. */
  readonly dueAt: number;
  /**
   * The destination's carrier, from the carrier prefix table: it picks the SMPP route and
   * gives the message its MCC/MNC. Absent on jobs scheduled before it was recorded.
   */
  readonly carrier?: CarrierId;
}
