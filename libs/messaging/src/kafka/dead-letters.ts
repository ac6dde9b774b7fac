// Reads a dead-letter topic, and puts back on their topic the dead letters that its schema
// accepts now (after a fix to a producer's or a consumer's idea of the payload).
import { DeadLetterHeader, dlqTopic, Topic } from '@sluice/contracts';
import { IHeaders, Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { DeadLetter } from './kafka-consumer';
import { decodeRecord } from './topic-schemas';

export interface DeadLetterEntry {
  /** Offset on the dead-letter topic. */
  readonly offset: string;
  readonly reason: string;
  readonly detail: string;
  readonly originalPartition: string;
  readonly originalOffset: string;
  readonly consumerGroup: string;
  readonly failedAt: string;
  /** Whether the topic's schema accepts the record today. */
  readonly acceptedNow: boolean;
}

export interface DeadLetterSource<T extends Topic> {
  /** Whose payload schema applies. */
  readonly topic: T;
  /** The topic the dead letters came from, when not `topic` itself (a test's private copy). */
  readonly readFrom?: string;
  /** First offset on the dead-letter topic to look at; 0 by default. */
  readonly fromOffset?: string;
}

interface DeadLetterRecord {
  readonly entry: DeadLetterEntry;
  /** As it first arrived: key, bytes and headers, without the dead-letter headers. */
  readonly message: DeadLetter;
}

/** Every dead letter of the topic from `fromOffset` up to the end as it was when called. */
export async function listDeadLetters<T extends Topic>(kafka: Kafka, source: DeadLetterSource<T>): Promise<DeadLetterEntry[]> {
  return (await readDeadLetters(kafka, source)).map((record) => record.entry);
}

/**
 * Publishes back to their topic, with their original key and headers, the dead letters its
 * schema accepts now; the others are returned as they are. Consumers are idempotent, so
 * replaying the same range twice does no harm.
 */
export async function replayDeadLetters<T extends Topic>(
  kafka: Kafka,
  source: DeadLetterSource<T>,
  send: (topic: string, messages: readonly DeadLetter[]) => Promise<void>,
): Promise<{ readonly replayed: DeadLetterEntry[]; readonly left: DeadLetterEntry[] }> {
  const records = await readDeadLetters(kafka, source);
  const accepted = records.filter((r) => r.entry.acceptedNow);
  if (accepted.length > 0) await send(source.readFrom ?? source.topic, accepted.map((r) => r.message));
  return { replayed: accepted.map((r) => r.entry), left: records.filter((r) => !r.entry.acceptedNow).map((r) => r.entry) };
}

async function readDeadLetters<T extends Topic>(kafka: Kafka, source: DeadLetterSource<T>): Promise<DeadLetterRecord[]> {
  const topic = dlqTopic(source.readFrom ?? source.topic);
  const from = BigInt(source.fromOffset ?? '0');
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Dead-letter topics have one partition; any more are read the same way.
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    const pending = new Set([...ends].filter(([, high]) => high > from).map(([partition]) => partition));
    if (pending.size === 0) return [];
    const groupId = `sluice-dlq-reader-${randomUUID()}`;
    const reader = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    const records: DeadLetterRecord[] = [];
    try {
      await reader.connect();
      await reader.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        reader
          .run({
            eachMessage: async ({ partition, message }) => {
              const offset = BigInt(message.offset);
              const end = ends.get(partition) ?? 0n;
              if (offset >= from && offset < end) records.push(toRecord(source.topic, message.offset, message.key, message.value, message.headers ?? {}));
              if (offset >= end - 1n) pending.delete(partition);
              if (pending.size === 0) resolve();
            },
          })
          .then(() => {
            for (const partition of pending) reader.seek({ topic, partition, offset: from.toString() });
          }, reject);
      });
    } finally {
      await reader.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return records.sort((a, b) => (BigInt(a.entry.offset) < BigInt(b.entry.offset) ? -1 : 1));
  } finally {
    await admin.disconnect();
  }
}

function toRecord(topic: Topic, offset: string, key: Buffer | null, value: Buffer | null, headers: IHeaders): DeadLetterRecord {
  const text = (name: string) => {
    const header = headers[name];
    return Array.isArray(header) ? header.map(String).join(',') : header === undefined ? '' : String(header);
  };
  const dlqHeaders = new Set<string>(Object.values(DeadLetterHeader));
  const original = Object.fromEntries(Object.entries(headers).filter(([name]) => !dlqHeaders.has(name)));
  return {
    entry: {
      offset,
      reason: text(DeadLetterHeader.Reason),
      detail: text(DeadLetterHeader.Detail),
      originalPartition: text(DeadLetterHeader.OriginalPartition),
      originalOffset: text(DeadLetterHeader.OriginalOffset),
      consumerGroup: text(DeadLetterHeader.ConsumerGroup),
      failedAt: text(DeadLetterHeader.FailedAt),
      acceptedNow: decodeRecord(topic, value).ok,
    },
    message: { key, value, headers: original },
  };
}
