// The `sms.status` payload as SQL builds it, for statements that write it to the outbox from their own rows.
import type { Topic, TopicPayloads } from '@sluice/contracts';

type StatusEvent = TopicPayloads[typeof Topic.SmsStatus];

/** An SQL expression for each field of the payload; `occurredAt` is a timestamptz. */
export type StatusEventExpressions = { readonly [K in keyof Required<StatusEvent>]: string };

/**
 * How each field is written, in payload order: the one list of the payload's fields in SQL.
 * The compiler checks it names every field of the payload type and no other.
 */
const FIELDS: { readonly [K in keyof Required<StatusEvent>]: (expression: string) => string } = {
  messageUuid: (e) => e,
  accountId: (e) => e,
  state: (e) => e,
  errorCode: (e) => e,
  sequence: (e) => e,
  // The payload carries epoch milliseconds.
  occurredAt: (e) => `(extract(epoch from ${e}) * 1000)::bigint`,
  // NULL: the copy in the outbox carries neither (SmsStatusPayload.record, .accepted).
  record: (e) => e,
  accepted: (e) => e,
};

/** `json_build_object(…)` of one status event, from the statement's expressions for its fields. */
export function statusEventJson(expressions: StatusEventExpressions): string {
  const fields = (Object.keys(FIELDS) as Array<keyof StatusEventExpressions>).map((name) => `'${name}', ${FIELDS[name](expressions[name])}`);
  return `json_build_object(${fields.join(', ')})`;
}
