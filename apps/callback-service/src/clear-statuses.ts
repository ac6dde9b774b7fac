// The statuses of a clear message (RecordedStatuses) go without Postgres: their request is
// built from the status event and the status leased before, and they take their room at the
// destination here, as the enqueue statement would have given it.
import type { AcceptedMessageFields, SmsStatusPayload, StatusRecordFields } from '@sluice/contracts';
import { CallbackAccount, CallbackKind, ClaimCapacity, ClaimedDelivery } from '@sluice/persistence';

/** A message whose new statuses can all go without Postgres, in sequence order. */
export interface ClearCandidate {
  readonly messageUuid: string;
  readonly destination: string;
  readonly template: ClaimedDelivery;
  readonly events: ReadonlyArray<SmsStatusPayload & { readonly record: StatusRecordFields }>;
  /** Its statuses start with its first: the template is built from that status's event (`acceptedTemplate`). */
  readonly first?: boolean;
}

/** The first status of a message as its acceptance published it, with what its callbacks need. */
export type AcceptedStatus = SmsStatusPayload & { readonly record: StatusRecordFields; readonly accepted: AcceptedMessageFields };

/**
 * The message's first status, when it can go from its event alone: the batch has it with its
 * acceptance fields, as published right after the acceptance's commit, and no handler can
 * have been given it before (`fresh`), so no record of it can exist anywhere yet.
 */
export function firstAppearance(batch: ReadonlyMap<string, SmsStatusPayload>, messageUuid: string, fresh: ReadonlySet<SmsStatusPayload>): AcceptedStatus | null {
  const event = batch.get(statusKey(messageUuid, 1));
  return event !== undefined && isAccepted(event) && fresh.has(event) ? event : null;
}

function isAccepted(event: SmsStatusPayload): event is AcceptedStatus {
  return Boolean(event.record && event.accepted);
}

/**
 * What the first status's request needs, from its event and the account's settings: the
 * delivery the enqueue statement would have leased for it.
 */
export function acceptedTemplate(first: AcceptedStatus, url: string, destination: string, account: CallbackAccount, defaultRetryDelaysMs: readonly number[]): ClaimedDelivery {
  const { accepted } = first;
  const acceptedAt = new Date(first.occurredAt);
  return clearDelivery(
    {
      id: null,
      kind: CallbackKind.Status,
      claims: 0,
      messageUuid: first.messageUuid,
      sequence: first.sequence,
      accountId: first.accountId,
      status: first.state,
      errorCode: first.errorCode,
      occurredAt: acceptedAt,
      url,
      method: accepted.callbackMethod,
      destination,
      retryDelaysMs: account.retryDelaysMs ?? defaultRetryDelaysMs,
      attempts: 0,
      authTokenEncrypted: account.authTokenEncrypted,
      inbound: null,
      contentKey: null,
      message: {
        fromNumber: accepted.from,
        toNumber: accepted.to,
        messageType: accepted.type,
        units: accepted.units,
        totalRate: first.record.totalRate,
        totalAmount: first.record.totalAmount,
        mcc: null,
        mnc: null,
        messageTime: acceptedAt,
        queuedAt: acceptedAt,
        sentAt: null,
        deliveryReportAt: null,
        powerpackUuid: accepted.powerpackUuid,
      },
    },
    first,
  );
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
