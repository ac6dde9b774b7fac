// What a record on a dead-letter topic (`dlqTopic(topic)`) carries: the original key and
// bytes as they were, and these headers saying why and where from.

export const DeadLetterReason = {
  /** The value is missing or is not JSON. */
  InvalidJson: 'invalid_json',
  /** JSON that does not match the topic's payload schema. */
  InvalidPayload: 'invalid_payload',
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

/** Header names of a dead letter; every value is a UTF-8 string. */
export const DeadLetterHeader = {
  Reason: 'dlq-reason',
  /** What was wrong, without the record's content (a JSON position, the fields that failed). */
  Detail: 'dlq-detail',
  OriginalTopic: 'dlq-original-topic',
  OriginalPartition: 'dlq-original-partition',
  OriginalOffset: 'dlq-original-offset',
  ConsumerGroup: 'dlq-consumer-group',
  /** ISO 8601 time the consumer set it aside. */
  FailedAt: 'dlq-failed-at',
} as const;
export type DeadLetterHeader = (typeof DeadLetterHeader)[keyof typeof DeadLetterHeader];
