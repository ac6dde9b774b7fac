// The statuses of a clear message (RecordedStatuses) go without Postgres: their request is
// built from the status event and the status leased before, and they take their room at the
// destination here, as the enqueue statement would have given it.
import type { SmsStatusPayload, StatusRecordFields } from '@sluice/contracts';
import { CallbackKind, ClaimCapacity, ClaimedDelivery } from '@sluice/persistence';

/** A message whose new statuses can all go without Postgres, in sequence order. */
export interface ClearCandidate {
  readonly messageUuid: string;
  readonly destination: string;
  readonly template: ClaimedDelivery;
  readonly events: ReadonlyArray<SmsStatusPayload & { readonly record: StatusRecordFields }>;
}

/**
 * The new statuses of a message (after `recordedThrough`, through `latest`) when the batch
 * carries every one of them with its record; null when one is missing (Postgres has its history).
 */
export function newStatuses(
  batch: ReadonlyMap<string, SmsStatusPayload>,
  messageUuid: string,
  recordedThrough: number,
  latest: number,
): Array<SmsStatusPayload & { readonly record: StatusRecordFields }> | null {
  const events: Array<SmsStatusPayload & { readonly record: StatusRecordFields }> = [];
  for (let sequence = recordedThrough + 1; sequence <= latest; sequence++) {
    const event = batch.get(statusKey(messageUuid, sequence));
    if (!event?.record) return null;
    events.push({ ...event, record: event.record });
  }
  return events;
}

export function statusKey(messageUuid: string, sequence: number): string {
  return `${messageUuid}:${sequence}`;
}

/**
 * Takes the candidates that fit in `capacity`, oldest first, as the enqueue statement ranks
 * messages: within the pool's limit and each destination's allowance, never from an excluded
 * destination. Answers them, the others, and what is left of the capacity for the statement.
 */
export function takeWithin(
  candidates: readonly ClearCandidate[],
  capacity: ClaimCapacity,
): { taken: ClearCandidate[]; left: ClearCandidate[]; capacity: ClaimCapacity } {
  const ordered = [...candidates].sort(
    (a, b) => (a.events[0]?.occurredAt ?? 0) - (b.events[0]?.occurredAt ?? 0) || (a.messageUuid < b.messageUuid ? -1 : a.messageUuid > b.messageUuid ? 1 : 0),
  );
  const excluded = new Set(capacity.excluded);
  const used = new Map<string, number>();
  const taken: ClearCandidate[] = [];
  const left: ClearCandidate[] = [];
  for (const candidate of ordered) {
    const allowance = capacity.limited.get(candidate.destination) ?? capacity.perDestination;
    const count = used.get(candidate.destination) ?? 0;
    if (taken.length >= capacity.limit || excluded.has(candidate.destination) || count >= allowance) {
      left.push(candidate);
      continue;
    }
    used.set(candidate.destination, count + 1);
    taken.push(candidate);
  }
  const limited = new Map(capacity.limited);
  for (const [destination, count] of used) limited.set(destination, (capacity.limited.get(destination) ?? capacity.perDestination) - count);
  return { taken, left, capacity: { ...capacity, limit: capacity.limit - taken.length, limited } };
}

/** The delivery of one status of a clear message: the event's status and record, the rest as the status before. */
export function clearDelivery(template: ClaimedDelivery, event: SmsStatusPayload & { readonly record: StatusRecordFields }): ClaimedDelivery {
  const { record } = event;
  return {
    ...template,
    id: null,
    kind: CallbackKind.Status,
    claims: 0,
    attempts: 0,
    inbound: null,
    // Erased by every transition after acceptance.
    contentKey: null,
    sequence: event.sequence,
    status: event.state,
    errorCode: event.errorCode,
    occurredAt: new Date(event.occurredAt),
    message: {
      ...template.message,
      totalRate: record.totalRate,
      totalAmount: record.totalAmount,
      mcc: record.mcc,
      mnc: record.mnc,
      sentAt: record.sentAt === null ? null : new Date(record.sentAt),
      deliveryReportAt: record.deliveryReportAt === null ? null : new Date(record.deliveryReportAt),
    },
  };
}
