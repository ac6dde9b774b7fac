// How far the customer's end is behind: messages accepted with a callback url whose final status has not been called back.
import type { SentMessage } from '../load/open-model';
import type { ReceivedCallback } from '../receiver/callback-receiver';
import { FINAL_STATES } from './platform-probe';

/** Messages sent with a callback url whose final-status callback has not arrived (yet). */
export function awaitingFinalCallback(messages: readonly SentMessage[], callbacks: readonly ReceivedCallback[]): number {
  const called = new Set<string>();
  for (const callback of callbacks) if (FINAL_STATES.has(callback.status)) called.add(callback.messageUuid);
  let awaiting = 0;
  for (const message of messages) if (message.callback && !called.has(message.uuid)) awaiting += 1;
  return awaiting;
}
