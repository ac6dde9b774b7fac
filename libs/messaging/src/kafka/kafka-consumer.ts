// A consumer-group member that hands typed batches to a handler and commits after it succeeds.
import { Topic, TopicPayloads } from '@sluice/contracts';
import { Consumer, Kafka } from 'kafkajs';

export interface ConsumedRecord<T extends Topic> {
  readonly payload: TopicPayloads[T];
  readonly partition: number;
  readonly offset: string;
}

export interface BatchConsumerOptions<T extends Topic> {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: T;
  /** Handles one batch of one partition, in offset order; a throw makes Kafka redeliver it. */
  readonly handle: (records: ReadonlyArray<ConsumedRecord<T>>, heartbeat: () => Promise<void>) => Promise<void>;
  readonly partitionsConsumedConcurrently?: number;
  /** How long the group waits for a silent member before giving its partitions to others. */
  readonly sessionTimeoutMs?: number;
}

/**
 * Offsets are committed only after `handle` resolves for the whole batch, so a crash
 * redelivers work (at-least-once); handlers are idempotent.
 */
export class BatchConsumer<T extends Topic> {
  private consumer: Consumer | null = null;

  constructor(private readonly options: BatchConsumerOptions<T>) {}

  async start(): Promise<void> {
    const { kafka, groupId, topic, handle } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 4,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, heartbeat, resolveOffset, commitOffsetsIfNecessary, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        const records: Array<ConsumedRecord<T>> = [];
        for (const message of batch.messages) {
          if (!message.value) continue;
          records.push({
            payload: JSON.parse(message.value.toString('utf8')) as TopicPayloads[T],
            partition: batch.partition,
            offset: message.offset,
          });
        }
        await handle(records, heartbeat);
        const last = batch.messages[batch.messages.length - 1];
        if (last) {
          resolveOffset(last.offset);
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
          ]);
        }
        await commitOffsetsIfNecessary();
        await heartbeat();
      },
    });
  }

  /** Leaves the group after the batch in hand is finished; uncommitted work goes to another member. */
  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = null;
  }
}
