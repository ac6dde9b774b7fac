// Every Kafka topic Sluice uses, with its partition count and the payload it carries.
import type { SmsStatusPayload } from './sms-status/sms-status.payload';
import type { SmsSubmittedPayload } from './sms-submitted/sms-submitted.payload';

export const Topic = {
  SmsSubmitted: 'sms.submitted.v1',
  SmsStatus: 'sms.status.v1',
} as const;
export type Topic = (typeof Topic)[keyof typeof Topic];

/** The payload type each topic carries: `publish<T>(topic: T, payload: TopicPayloads[T])`. */
export interface TopicPayloads {
  [Topic.SmsSubmitted]: SmsSubmittedPayload;
  [Topic.SmsStatus]: SmsStatusPayload;
}

/** What each topic is keyed by; consumers rely on it for per-key ordering. */
export const TopicKey: { readonly [T in Topic]: (payload: TopicPayloads[T]) => string } = {
  [Topic.SmsSubmitted]: (p) => p.accountId,
  [Topic.SmsStatus]: (p) => p.messageUuid,
};

export interface TopicSpec {
  readonly name: Topic;
  readonly partitions: number;
  readonly retentionMs: number;
}

const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;

/** Partition counts bound the number of useful consumer replicas per topic. */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { name: Topic.SmsSubmitted, partitions: 12, retentionMs: SEVEN_DAYS_MS },
  { name: Topic.SmsStatus, partitions: 12, retentionMs: SEVEN_DAYS_MS },
];
