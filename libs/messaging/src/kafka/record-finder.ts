// Finds given records again in a topic by key and time, and tells whether a consumer group has read up to a time.
import { Topic, TopicPayloads } from '@sluice/contracts';
import { Kafka, Partitioners, PartitionMetadata } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { withKafkaAdmin } from './topic-admin';

/** Records wanted from one partition: their ids, and the span of record timestamps they can have. */
export interface WantedRecords {
  readonly partition: number;
  readonly ids: ReadonlySet<string>;
  /** Epoch ms: no wanted record is stamped before this... */
  readonly from: number;
  /** ...or after this. */
  readonly until: number;
}

/**
 * Reads a topic outside any working consumer group. Record timestamps are the producers'
 * clocks (CreateTime): callers widen their spans by the clock skew they allow.
 */
export class RecordFinder<T extends Topic> {
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: T,
    /** Prefix of the short-lived consumer groups that read records back (deleted after use). */
    private readonly groupPrefix: string,
  ) {}

  /** The partition the producers' default partitioner (murmur2 of the key, as Java's) gives a key. */
  partitionOf(key: string, partitions: number): number {
    const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
    }));
    return this.partitioner({ topic: this.topic, partitionMetadata, message: { key, value: null } });
  }

  /**
   * The partitions on which `groupId` has committed past every record stamped before
   * `timestamp` (up to the first record stamped at or after it, or the end of the log),
   * and the topic's partition count.
   */
  async consumedThrough(groupId: string, timestamp: number): Promise<{ partitions: number; through: Set<number> }> {
    return withKafkaAdmin(this.kafka, async (admin) => {
      const [committed, bounds, byTime] = await Promise.all([
        admin.fetchOffsets({ groupId, topics: [this.topic] }),
        admin.fetchTopicOffsets(this.topic),
        admin.fetchTopicOffsetsByTimestamp(this.topic, timestamp),
      ]);
      const committedOf = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      const lowOf = new Map(bounds.map((b) => [b.partition, BigInt(b.low)]));
      const through = new Set<number>();
      for (const { partition, offset } of byTime) {
        // A partition the group never committed on is read from its start.
        const own = committedOf.get(partition) ?? -1n;
        const position = own >= 0n ? own : (lowOf.get(partition) ?? 0n);
        if (position >= BigInt(offset)) through.add(partition);
      }
      return { partitions: bounds.length, through };
    });
  }

  /**
   * The first record of each wanted id, reading each partition from its first record stamped
   * at or after `from` until one stamped after `until`, the end of the log as it was when
   * the search began, or `timeoutMs`, whichever comes first. A record that is not JSON is skipped.
   */
  async find(
    wanted: readonly WantedRecords[],
    idOf: (payload: TopicPayloads[T]) => string,
    timeoutMs = 30_000,
  ): Promise<Map<string, TopicPayloads[T]>> {
    const found = new Map<string, TopicPayloads[T]>();
    const search = wanted.filter((w) => w.ids.size > 0);
    if (search.length === 0) return found;
    const starts = new Map<number, { start: bigint; end: bigint }>();
    await withKafkaAdmin(this.kafka, async (admin) => {
      const ends = new Map((await admin.fetchTopicOffsets(this.topic)).map((b) => [b.partition, BigInt(b.high)]));
      for (const w of search) {
        const [byTime] = (await admin.fetchTopicOffsetsByTimestamp(this.topic, w.from)).filter((o) => o.partition === w.partition);
        const end = ends.get(w.partition) ?? 0n;
        const start = byTime ? BigInt(byTime.offset) : end;
        const known = starts.get(w.partition);
        starts.set(w.partition, { start: known && known.start < start ? known.start : start, end });
      }
    });
    const open = new Map<number, { ids: Set<string>; until: number; end: bigint }>();
    for (const w of search) {
      const bounds = starts.get(w.partition);
      if (!bounds || bounds.start >= bounds.end) continue;
      const entry = open.get(w.partition) ?? { ids: new Set<string>(), until: w.until, end: bounds.end };
      for (const id of w.ids) entry.ids.add(id);
      entry.until = Math.max(entry.until, w.until);
      open.set(w.partition, entry);
    }
    if (open.size === 0) return found;

    const groupId = `${this.groupPrefix}-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 3_000, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const close = (partition: number) => {
      open.delete(partition);
      if (open.size === 0) finish();
    };
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.topic, fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const reading = open.get(batch.partition);
          if (!reading) return;
          for (const message of batch.messages) {
            if (BigInt(message.offset) >= reading.end || Number(message.timestamp) > reading.until) {
              close(batch.partition);
              return;
            }
            const payload = parse<TopicPayloads[T]>(message.value);
            const id = payload === null ? null : idOf(payload);
            if (payload !== null && id !== null && reading.ids.has(id) && !found.has(id)) {
              found.set(id, payload);
              reading.ids.delete(id);
            }
            if (reading.ids.size === 0 || BigInt(message.offset) + 1n >= reading.end) {
              close(batch.partition);
              return;
            }
          }
        },
      });
      for (const [partition] of open) {
        const start = starts.get(partition)?.start;
        if (start !== undefined) consumer.seek({ topic: this.topic, partition, offset: start.toString() });
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    } finally {
      await consumer.disconnect().catch(() => undefined);
      // The group committed nothing; removing it keeps the broker's group list clean.
      await withKafkaAdmin(this.kafka, (admin) => admin.deleteGroups([groupId])).catch(() => undefined);
    }
    return found;
  }
}

function parse<P>(value: Buffer | null): P | null {
  if (!value) return null;
  try {
    return JSON.parse(value.toString('utf8')) as P;
  } catch {
    return null;
  }
}
