// The outbound state machine: which states each state may follow.
import { MessageState } from '@sluice/contracts';

/** For each target state, the states a message may be in for the transition to apply. */
export const ALLOWED_PREDECESSORS: { readonly [S in MessageState]: readonly MessageState[] } = {
  [MessageState.Queued]: [],
  [MessageState.Sent]: [MessageState.Queued],
  [MessageState.Failed]: [MessageState.Queued],
  [MessageState.Delivered]: [MessageState.Sent],
  [MessageState.Undelivered]: [MessageState.Sent],
  [MessageState.Received]: [],
};

export function canTransition(from: MessageState, to: MessageState): boolean {
  return ALLOWED_PREDECESSORS[to].includes(from);
}

export function isFinal(state: MessageState): boolean {
  return (
    state === MessageState.Delivered ||
    state === MessageState.Undelivered ||
    state === MessageState.Failed ||
    state === MessageState.Received
  );
}
