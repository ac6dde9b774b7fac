// Guarded state transitions written in batches: the submits and receipts in flight at one moment share one statement.
import { Injectable } from '@nestjs/common';
import { MessageErrorCode, MessageState } from '@sluice/contracts';
import { Coalescer } from '@sluice/messaging';
import { AppliedTransition, MessageRepository, TransitionPatch, TransitionRequest } from '@sluice/persistence';

/**
 * How long the first of the dispatcher's writes (transitions, parts recorded, receipts) waits
 * for others to share its statement. At a few hundred messages a second most writes would
 * otherwise go alone; none of them holds a slot (a quota counts from the carrier's answer).
 */
export const WRITE_LINGER_MS = 25;

@Injectable()
export class BatchedTransitions {
  private readonly byState = new Map<MessageState, Coalescer<TransitionRequest, AppliedTransition | null>>();

  constructor(private readonly messages: MessageRepository) {}

  apply(messageUuid: string, state: MessageState, errorCode: MessageErrorCode, patch: TransitionPatch = {}): Promise<AppliedTransition | null> {
    let coalescer = this.byState.get(state);
    if (!coalescer) {
      coalescer = new Coalescer((requests) => this.messages.transitionMany(state, requests), 500, WRITE_LINGER_MS);
      this.byState.set(state, coalescer);
    }
    return coalescer.add({ messageUuid, errorCode, patch });
  }
}
