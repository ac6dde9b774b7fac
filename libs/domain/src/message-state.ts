// The message state machine: which states each state may follow.
import { MessageState } from '@sluice/contracts';

/**
 * For each target state, the states a message may be in for the transition to apply.
 * Outbound: queued → sent → delivered / undelivered, or queued → failed. Inbound: received →
 * delivered / undelivered (to the Message URL). A message only ever has one direction, so
 * `delivered` following `received` never applies to an outbound message.
 */
export const ALLOWED_PREDECESSORS: { readonly [S in MessageState]: readonly MessageState[] } = {
  [MessageState.Queued]: [],
  [MessageState.Sent]: [MessageState.Queued],
  [MessageState.Failed]: [MessageState.Queued],
  [MessageState.Delivered]: [MessageState.Sent, MessageState.Received],
  [MessageState.Undelivered]: [MessageState.Sent, MessageState.Received],
  [MessageState.Received]: [],
};

export function canTransition(from: MessageState, to: MessageState): boolean {
  return ALLOWED_PREDECESSORS[to].includes(from);
}

/** `received` is not final: an inbound message still goes to its Message URL. */
export function isFinal(state: MessageState): boolean {
  return state === MessageState.Delivered || state === MessageState.Undelivered || state === MessageState.Failed;
}
