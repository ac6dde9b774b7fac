// Typed records of a topic, and a producer of its own that sends them.
import { Topic, TopicKey, TopicPayloads } from '@sluice/contracts';
import { Producer } from 'kafkajs';

declare const recordTopic: unique symbol;

/**
 * One record of topic `T`, ready to send: keyed by the topic's key, its `TopicPayloads[T]`
 * serialised once. Only `topicRecord` makes one.
 */
export interface TopicRecord<T extends Topic> {
  readonly key: string;
  readonly value: string;
  /** Exists only for the compiler: which topic the record is for. */
  readonly [recordTopic]: T;
}

export function topicRecord<T extends Topic>(topic: T, payload: TopicPayloads[T]): TopicRecord<T> {
  const key = TopicKey[topic] as (p: TopicPayloads[T]) => string;
  return { key: key(payload), value: JSON.stringify(payload) } as TopicRecord<T>;
}

/** What a record adds to a produce request: its key and its value (Kafka's framing aside). */
export function recordBytes(record: TopicRecord<Topic>): number {
  return record.key.length + Buffer.byteLength(record.value);
}

/** Kafka's default max.message.bytes is 1 MiB per partition batch; a produce request stays well below it. */
const MAX_PRODUCE_BYTES = 512 * 1024;

/**
 * An idempotent producer with a connection of its own (see `KafkaProducer.dedicatedProducer`):
 * kafkajs sends one request at a time per idempotent producer, so a path whose sends must
 * not queue behind others' has one. The owner connects and disconnects it.
 */
export class TopicProducer {
  constructor(private readonly producer: Producer) {}

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /** Resolves once every in-sync replica has the records. */
  publish<T extends Topic>(topic: T, payloads: ReadonlyArray<TopicPayloads[T]>): Promise<void> {
    return this.send(topic, payloads.map((payload) => topicRecord(topic, payload)));
  }

  /**
   * Sends records serialised beforehand, in produce requests of at most 512 KiB, one after
   * another, each acknowledged by every in-sync replica.
   */
  async send<T extends Topic>(topic: T, records: ReadonlyArray<TopicRecord<T>>): Promise<void> {
    let chunk: Array<TopicRecord<T>> = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      await this.producer.send({ topic, acks: -1, messages: chunk });
      chunk = [];
      bytes = 0;
    };
    for (const record of records) {
      const size = recordBytes(record);
      if (chunk.length > 0 && bytes + size > MAX_PRODUCE_BYTES) await flush();
      chunk.push(record);
      bytes += size;
    }
    if (chunk.length > 0) await flush();
  }
}
