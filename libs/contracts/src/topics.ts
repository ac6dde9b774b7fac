// Every Kafka topic Sluice uses, with its partition count and the payload it carries.
import type { OpsAlertPayload } from './ops-alert/ops-alert.payload';
import type { SmsInboundPayload } from './sms-inbound/sms-inbound.payload';
import type { SmsStatusPayload } from './sms-status/sms-status.payload';
import type { SmsSubmittedPayload } from './sms-submitted/sms-submitted.payload';

export const Topic = {
  SmsSubmitted: 'sms.submitted.v1',
  SmsStatus: 'sms.status.v1',
  OpsAlerts: 'ops.alerts.v1',
  SmsInbound: 'sms.inbound.v1',
} as const;
export type Topic = (typeof Topic)[keyof typeof Topic];

/** The payload type each topic carries: `publish<T>(topic: T, payload: TopicPayloads[T])`. */
export interface TopicPayloads {
  [Topic.SmsSubmitted]: SmsSubmittedPayload;
  [Topic.SmsStatus]: SmsStatusPayload;
  [Topic.OpsAlerts]: OpsAlertPayload;
  [Topic.SmsInbound]: SmsInboundPayload;
}

/** What each topic is keyed by; consumers rely on it for per-key ordering. */
export const TopicKey: { readonly [T in Topic]: (payload: TopicPayloads[T]) => string } = {
  [Topic.SmsSubmitted]: (p) => p.accountId,
  [Topic.SmsStatus]: (p) => p.messageUuid,
  [Topic.OpsAlerts]: (p) => p.accountId,
  [Topic.SmsInbound]: (p) => p.messageUuid,
};

/** Where the consumers of a topic put the records they cannot parse or validate (see DeadLetterHeader). */
export type DeadLetterTopic = `${Topic}.dlq`;

/** The dead-letter topic of `topic`: `sms.submitted.v1` → `sms.submitted.v1.dlq`. */
export function dlqTopic<T extends string>(topic: T): `${T}.dlq` {
  return `${topic}.dlq`;
}

export interface TopicSpec {
  readonly name: Topic | DeadLetterTopic;
  readonly partitions: number;
  readonly retentionMs: number;
}

const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;
/** Dead letters wait for an operator: kept longer, and one partition keeps their order for a replay. */
const DEAD_LETTER_SPEC = { partitions: 1, retentionMs: 30 * 24 * 3600 * 1000 };

/** Partition counts bound the number of useful consumer replicas per topic; each topic has its dead-letter topic. */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { name: Topic.SmsSubmitted, partitions: 12, retentionMs: SEVEN_DAYS_MS },
  { name: Topic.SmsStatus, partitions: 12, retentionMs: SEVEN_DAYS_MS },
  { name: Topic.OpsAlerts, partitions: 3, retentionMs: SEVEN_DAYS_MS },
  { name: Topic.SmsInbound, partitions: 12, retentionMs: SEVEN_DAYS_MS },
].flatMap((spec) => [spec, { name: dlqTopic(spec.name), ...DEAD_LETTER_SPEC }]);
