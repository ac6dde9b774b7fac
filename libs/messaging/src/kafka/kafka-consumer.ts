// A consumer-group member that hands typed batches to a handler and commits after it succeeds,
// sets records it cannot parse or validate aside on the topic's dead-letter topic, and comes
// back by itself whenever kafkajs gives up.
import { Logger } from '@nestjs/common';
import { DeadLetterHeader, DeadLetterReason, TOPIC_SPECS, Topic, TopicPayloads, dlqTopic } from '@sluice/contracts';
import type { SupervisedUnit } from '@sluice/observability';
import { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Counter } from 'prom-client';
import { MergedWrites } from '../coalescer';
import { DeferredCommits } from './deferred-commits';
import { decodeRecord } from './topic-schemas';

export interface ConsumedRecord<T extends Topic> {
  readonly payload: TopicPayloads[T];
  readonly partition: number;
  readonly offset: string;
  /**
   * No handler can have been given this record before: it was appended after this member's
   * first fetch of its partition in the current membership of the group (every earlier record
   * may have been handled by the partition's previous owner, its offset not yet committed),
   * and no handler of this member has failed on it or on a record after it.
   */
  readonly fresh: boolean;
}

export interface BatchConsumerOptions<T extends Topic> {
  readonly groupId: string;
  readonly topic: T;
  /**
   * Handles the batches of the partitions fetched together: each partition's records in
   * offset order, one partition after the other. After a throw each partition's batch is
   * handled alone, and Kafka redelivers those that throw again.
   */
  readonly handle: (records: ReadonlyArray<ConsumedRecord<T>>, heartbeat: () => Promise<void>) => Promise<void>;
  readonly partitionsConsumedConcurrently?: number;
  /** How long the group waits for a silent member before giving its partitions to others. */
  readonly sessionTimeoutMs?: number;
  /** The topic actually read, when it is not `topic` but a copy carrying `topic`'s payloads (a test's private topic). */
  readonly readFrom?: string;
  /** Called each time the member has joined its group, before it handles a batch of that membership. */
  readonly onJoin?: () => void;
}

/** A record set aside: the original key, bytes and headers, plus the DeadLetterHeader ones. */
export interface DeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

/** What a consumer gets from its app (see KafkaConsumers). */
export interface BatchConsumerDeps {
  readonly kafka: Kafka;
  readonly unit: SupervisedUnit;
  readonly publishDeadLetters: (topic: string, records: readonly DeadLetter[]) => Promise<void>;
  readonly poisonRecords: Counter<'topic'>;
}

/** A member in its group that neither fetched, heartbeat nor held a batch for this long is restarted. */
export const CONSUMER_STALL_MS = 90_000;
const STALL_CHECK_INTERVAL_MS = 5_000;
/** How long the broker holds a fetch that finds nothing (the latency of new records is not affected). */
const IDLE_FETCH_WAIT_MS = 2_000;
/**
 * The batches of one fetch are handled together once its newest record is this old. kafkajs
 * fetches again only once they are handled, so under a steady trickle each fetch, and each
 * handler's statements, carry what arrived in this time instead of one or two records; a
 * backlog never waits.
 */
export const CONSUMER_LINGER_MS = 10;
/**
 * Handled offsets are committed at most this often (and before the member leaves or rejoins
 * its group), not after every batch: a crash redelivers at most this much handled work.
 */
export const COMMIT_INTERVAL_MS = 1_000;
/** The most partition batches handled by one call. */
const MAX_MERGED_BATCHES = 64;

/** One partition's batch, decoded, waiting to be handled with the others of its fetch. */
interface HeldBatch<T extends Topic> {
  readonly records: ReadonlyArray<ConsumedRecord<T>>;
  /** When its newest record was produced (the producer's clock). */
  readonly newest: number;
  readonly heartbeat: () => Promise<void>;
}
/** A consumer being replaced gets this long to leave its group. */
const DISCONNECT_TIMEOUT_MS = 10_000;

/**
 * Offsets are committed only after `handle` resolves for the whole batch, at most
 * COMMIT_INTERVAL_MS later, so a crash redelivers work (at-least-once); handlers are idempotent.
 *
 * Every restart is this class's: kafkajs is told never to restart a crashed consumer itself,
 * so each one is paced by the supervisor's back-off (1 s doubling to 30 s), counted, and
 * visible in readiness until the new member has joined. A crash, an unexpected stop or a
 * member that went silent all lead to a fresh kafkajs consumer.
 */
export class BatchConsumer<T extends Topic> {
  private readonly logger = new Logger(BatchConsumer.name);
  private readonly topicName: string;
  private consumer: Consumer | null = null;
  /** Bumped for each kafkajs consumer: events from one that was replaced are ignored. */
  private generation = 0;
  private stopping = true;
  private restartTimer: NodeJS.Timeout | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private crashedGeneration = -1;
  private joined = false;
  private lastActivity = 0;
  private batchesInHand = 0;
  private batchesStarted = 0;
  /** Per broker, `batchesStarted` when its last fetch returned: unchanged at its next fetch, that fetch found nothing to do. */
  private readonly startedAtFetch = new Map<number, number>();
  /** The handled offsets of the current kafkajs consumer, not yet committed. */
  private commits: DeferredCommits | null = null;
  /** Per partition, the first offset that is fresh (ConsumedRecord.fresh) in this membership: set by its first batch. */
  private readonly freshFrom = new Map<number, number>();

  constructor(
    private readonly options: BatchConsumerOptions<T>,
    private readonly deps: BatchConsumerDeps,
  ) {
    this.topicName = options.readFrom ?? options.topic;
  }

  /** Resolves once the first attempt to join has ended; a failed one is retried in the background. */
  async start(): Promise<void> {
    if (!this.stopping) return;
    this.stopping = false;
    this.deps.unit.out('not yet in its consumer group');
    this.stallTimer = setInterval(() => this.checkStall(), STALL_CHECK_INTERVAL_MS);
    this.stallTimer.unref();
    await this.launch();
  }

  /** Leaves the group after the batch in hand is finished; uncommitted work goes to another member. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.restartTimer = null;
    this.stallTimer = null;
    const consumer = this.consumer;
    const commits = this.commits;
    this.consumer = null;
    this.commits = null;
    this.generation += 1;
    // What was handled is committed before the member leaves, so its successor does not read it
    // again; a batch still in hand commits its own as it ends (see eachBatch).
    await withTimeout(commits?.flush() ?? Promise.resolve(), DISCONNECT_TIMEOUT_MS).catch(() => undefined);
    await consumer?.disconnect();
    commits?.close();
    this.deps.unit.stopped();
  }

  private launch(): Promise<void> {
    const generation = ++this.generation;
    const { groupId, sessionTimeoutMs, partitionsConsumedConcurrently } = this.options;
    const consumer = this.deps.kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
      // An idle consumer asks the broker once every two seconds; records that arrive end the wait at once.
      maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
      // kafkajs retries a failing fetch or handler this often (about 9 s in all) before it
      // crashes the consumer; the restart is then ours.
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 10_000, restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    // The offsets of every batch handled within COMMIT_INTERVAL_MS go in one request.
    this.commits?.close();
    const commits = new DeferredCommits(
      (offsets) => consumer.commitOffsets(offsets),
      COMMIT_INTERVAL_MS,
      (error) => this.logger.warn({ err: error, topic: this.topicName, groupId }, 'committing handled offsets failed; the next commit tries again'),
    );
    this.commits = commits;
    // The partitions' batches of one fetch, handled by one call (each partition's records in order).
    // When that call fails, each batch is handled alone: only a partition that fails by itself is redelivered.
    const held = new MergedWrites<HeldBatch<T>>(async (batches) => {
      await lingerUntil(Math.max(...batches.map((b) => b.newest)));
      const records = batches.flatMap((b) => b.records);
      await this.handle(records, async () => void (await Promise.all(batches.map((b) => b.heartbeat()))));
    }, MAX_MERGED_BATCHES);
    this.joined = false;
    this.startedAtFetch.clear();
    this.freshFrom.clear();
    this.listen(consumer, generation, commits);
    return (async () => {
      // A stop or restart while joining leaves this consumer behind: it leaves at once.
      const replaced = async () => {
        if (generation === this.generation) return false;
        await consumer.disconnect().catch(() => undefined);
        return true;
      };
      try {
        await consumer.connect();
        if (await replaced()) return;
        await consumer.subscribe({ topic: this.topicName, fromBeginning: true });
        if (await replaced()) return;
        await consumer.run({
          autoCommit: false,
          partitionsConsumedConcurrently: partitionsConsumedConcurrently ?? partitionsOf(this.options.topic),
          eachBatchAutoResolve: false,
          eachBatch: (payload) => this.eachBatch(held, commits, payload),
        });
        await replaced();
      } catch (error: unknown) {
        if (generation === this.generation) this.restartLater(error);
        else await consumer.disconnect().catch(() => undefined);
      }
    })();
  }

  private listen(consumer: Consumer, generation: number, commits: DeferredCommits): void {
    const current = () => generation === this.generation && !this.stopping;
    const active = () => {
      if (current()) this.lastActivity = Date.now();
    };
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, () => {
      if (!current()) return;
      active();
      // A partition this member held may be another's now: its old offsets are not committed over the new owner's.
      commits.drop();
      // Every partition's first batch of this membership may hold records another member handled.
      this.freshFrom.clear();
      this.joined = true;
      this.crashedGeneration = -1;
      this.options.onJoin?.();
      this.deps.unit.resumed();
      this.logger.log({ topic: this.topicName, groupId: this.options.groupId }, `consuming ${this.topicName}`);
    });
    consumer.on(events.FETCH_START, ({ payload }) => {
      if (!current()) return;
      active();
      if (this.batchesInHand === 0 && this.startedAtFetch.get(payload.nodeId) === this.batchesStarted) this.deps.unit.progressed();
    });
    consumer.on(events.FETCH, ({ payload }) => {
      if (!current()) return;
      active();
      this.startedAtFetch.set(payload.nodeId, this.batchesStarted);
    });
    consumer.on(events.HEARTBEAT, active);
    consumer.on(events.REBALANCING, () => {
      active();
      // Before the member rejoins: what it handled is committed while its partitions are still its own.
      if (current()) void commits.flush();
    });
    consumer.on(events.CRASH, ({ payload }) => {
      if (!current()) return;
      this.crashedGeneration = generation;
      this.joined = false;
      if (payload.restart) {
        // Only reached if kafkajs overrides restartOnFailure; it restarts this consumer itself.
        this.deps.unit.out(`crashed (${describe(payload.error)}); kafkajs restarts it`);
        this.deps.unit.failed(payload.error);
        this.deps.unit.restarted();
        return;
      }
      this.restartLater(payload.error);
    });
    // A crash stops and disconnects the consumer before it reports the crash: the stop is
    // looked at once the crash, if any, has been seen.
    const stopped = () => {
      if (!current()) return;
      setImmediate(() => {
        if (current() && this.crashedGeneration !== generation) this.restartLater(new Error('the consumer stopped unexpectedly'));
      });
    };
    consumer.on(events.STOP, stopped);
    consumer.on(events.DISCONNECT, stopped);
  }

  private restartLater(error: unknown): void {
    if (this.stopping || this.restartTimer) return;
    this.joined = false;
    this.deps.unit.out(`restarting after ${describe(error)}`);
    const delay = this.deps.unit.failed(error);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.restart();
    }, delay);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    const previous = this.consumer;
    this.consumer = null;
    this.generation += 1;
    // A member that went silent may still be in its group: what it handled is committed if it can be.
    await withTimeout(this.commits?.flush() ?? Promise.resolve(), DISCONNECT_TIMEOUT_MS).catch(() => undefined);
    await withTimeout(previous?.disconnect() ?? Promise.resolve(), DISCONNECT_TIMEOUT_MS).catch(() => undefined);
    if (this.stopping) return;
    this.deps.unit.restarted();
    await this.launch();
  }

  /** Catches a member that stays in its group but does nothing: kafkajs fetches every IDLE_FETCH_WAIT_MS when idle. */
  private checkStall(): void {
    if (this.stopping || !this.joined || this.batchesInHand > 0 || this.restartTimer) return;
    const silentMs = Date.now() - this.lastActivity;
    if (silentMs > CONSUMER_STALL_MS) this.restartLater(new Error(`no fetch or heartbeat for ${Math.round(silentMs / 1_000)} s`));
  }

  private async eachBatch(
    held: MergedWrites<HeldBatch<T>>,
    commits: DeferredCommits,
    { batch, heartbeat, resolveOffset, isRunning, isStale }: EachBatchPayload,
  ): Promise<void> {
    if (!isRunning() || isStale()) return;
    this.batchesStarted += 1;
    this.batchesInHand += 1;
    try {
      const records: Array<ConsumedRecord<T>> = [];
      const deadLetters: DeadLetter[] = [];
      // The partition's end when this member first fetched it: nothing from there on was in the log before.
      let freshFrom = this.freshFrom.get(batch.partition);
      if (freshFrom === undefined) {
        freshFrom = Number(batch.highWatermark);
        this.freshFrom.set(batch.partition, freshFrom);
      }
      for (const message of batch.messages) {
        const decoded = decodeRecord(this.options.topic, message.value);
        if (decoded.ok) records.push({ payload: decoded.payload, partition: batch.partition, offset: message.offset, fresh: Number(message.offset) >= freshFrom });
        else deadLetters.push(this.deadLetter(batch.partition, message, decoded.reason, decoded.detail));
      }
      // Set aside before the rest is handled: a failure redelivers the batch, poison records included.
      if (deadLetters.length > 0) await this.setAside(batch.partition, deadLetters);
      const newest = Number(batch.messages[batch.messages.length - 1]?.timestamp);
      if (records.length > 0) await held.add([{ records, newest: Number.isFinite(newest) ? newest : 0, heartbeat }]);
      const last = batch.messages[batch.messages.length - 1];
      if (last) {
        resolveOffset(last.offset);
        commits.add({ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() });
        // The member is leaving once this batch is done: its offsets go now, while its partitions are still its own.
        if (this.stopping) await commits.flush();
      }
      await heartbeat();
      this.deps.unit.progressed();
    } finally {
      this.batchesInHand -= 1;
    }
  }

  private async handle(records: ReadonlyArray<ConsumedRecord<T>>, heartbeat: () => Promise<void>): Promise<void> {
    try {
      await this.options.handle(records, heartbeat);
    } catch (error: unknown) {
      this.logger.warn(
        { err: error, topic: this.topicName, partition: records[0]?.partition, fromOffset: records[0]?.offset, records: records.length },
        'handling a batch failed; Kafka redelivers it',
      );
      // What is redelivered was given to the handler already.
      for (const { partition, offset } of records) {
        this.freshFrom.set(partition, Math.max(this.freshFrom.get(partition) ?? 0, Number(offset) + 1));
      }
      throw error;
    }
  }

  private deadLetter(partition: number, message: KafkaMessage, reason: DeadLetterReason, detail: string): DeadLetter {
    return {
      key: message.key,
      value: message.value,
      headers: {
        ...message.headers,
        [DeadLetterHeader.Reason]: reason,
        [DeadLetterHeader.Detail]: detail,
        [DeadLetterHeader.OriginalTopic]: this.topicName,
        [DeadLetterHeader.OriginalPartition]: String(partition),
        [DeadLetterHeader.OriginalOffset]: message.offset,
        [DeadLetterHeader.ConsumerGroup]: this.options.groupId,
        [DeadLetterHeader.FailedAt]: new Date().toISOString(),
      },
    };
  }

  private async setAside(partition: number, deadLetters: readonly DeadLetter[]): Promise<void> {
    const target = dlqTopic(this.topicName);
    try {
      await this.deps.publishDeadLetters(target, deadLetters);
    } catch (error: unknown) {
      this.logger.error({ err: error, topic: this.topicName, partition, deadLetterTopic: target }, `records that cannot be handled could not be set aside on ${target} (does it exist? npm run kafka:topics)`);
      throw error;
    }
    this.deps.poisonRecords.inc({ topic: this.topicName }, deadLetters.length);
    for (const { headers } of deadLetters) {
      this.logger.warn(
        { topic: this.topicName, partition, offset: headers[DeadLetterHeader.OriginalOffset], reason: headers[DeadLetterHeader.Reason], detail: headers[DeadLetterHeader.Detail] },
        `record set aside on ${target}`,
      );
    }
  }
}

/** Waits until a record produced at `newest` is CONSUMER_LINGER_MS old (on the producer's clock; never longer than that). */
async function lingerUntil(newest: number): Promise<void> {
  const wait = Math.min(CONSUMER_LINGER_MS, newest + CONSUMER_LINGER_MS - Date.now());
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** Every partition of the topic handled at once: the batches of one fetch go to the handler together. */
function partitionsOf(topic: Topic): number {
  return TOPIC_SPECS.find((spec) => spec.name === topic)?.partitions ?? 1;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
