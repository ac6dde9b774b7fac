// Group commit for sends: concurrent requests share one Kafka hand-off and one Postgres statement.
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Topic } from '@sluice/contracts';
import { KafkaProducer, recordBytes, TopicProducer, TopicRecord } from '@sluice/messaging';
import { MetricsRegistry } from '@sluice/observability';
import { AcceptedMediaRow, AcceptedMessageRow, MessageAcceptanceRepository, Queryable } from '@sluice/persistence';
import { ApiError } from '../errors/api-error';
import { Failpoint, GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { boundedPool } from './pg-pool';
import { StatusPublisher } from './status-publisher';

/** One request's share of a batch: its rows and its serialised `sms.submitted` records. */
export interface AcceptanceWork {
  readonly messages: readonly AcceptedMessageRow[];
  readonly media: readonly AcceptedMediaRow[];
  /** Only queued messages are handed to Kafka; those refused at acceptance are final already. */
  readonly records: ReadonlyArray<TopicRecord<typeof Topic.SmsSubmitted>>;
  /** When the request was accepted (epoch ms); the batch deadline counts from the oldest. */
  readonly acceptedAt: number;
  /** When the request arrived (epoch ms; its opt-out lookup lingered since): ACCEPT_LINGER_MS counts from it. */
  readonly arrivedAt?: number;
}

interface Pending {
  readonly work: AcceptanceWork;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Requests whose records Kafka has acknowledged, waiting for their rows to be written. */
interface Produced {
  readonly number: number;
  readonly requests: readonly Pending[];
  readonly oldest: number;
  readonly messages: number;
}

/** Bytes of records one acceptance batch carries (several produce requests at most). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/**
 * A request reaching the queue waits at least this long for company, even when its
 * ACCEPT_LINGER_MS has already passed since it arrived (its opt-out lookup, sender checks,
 * geo and spend controls took that long). Requests come out of those checks a few at a time:
 * without it, each went to Kafka and Postgres alone (at 500 requests/s, 70 % of hand-offs
 * carried one message).
 */
const MIN_LINGER_MS = 5;
/** Rows of messages one insert statement writes at most. */
const MAX_INSERT_MESSAGES = 5_000;

/**
 * The durability contract of a 202. For each request, in this order:
 *   1. its `sms.submitted` records are produced to Kafka, acknowledged by every in-sync
 *      replica (idempotent producer);
 *   2. its rows (messages, media, history, status outbox) are inserted by ONE statement,
 *      which commits atomically;
 *   3. only then is it answered 202.
 * A crash (or a failure) after 1 and before 2 leaves Kafka records without rows: downstream
 * waits its grace period for the row and then drops them, and no client was told 202. A
 * crash after 2 leaves rows whose records are already in Kafka. So no row is ever
 * committed without its record, and no 202 is given for a message without both. Message
 * text never goes to an outbox table, so `log=false` text is never at rest in Postgres.
 *
 * Batching is a two-stage pipeline. Produce: ACCEPT_CONCURRENCY slots, each with its own
 * producer (kafkajs sends one request at a time per idempotent producer), take whatever
 * requests are queued and hand them off in parallel. Insert: at most
 * ACCEPT_INSERT_CONCURRENCY statements at a time, each writing every acknowledged batch
 * waiting: Postgres pays for a commit (a WAL flush) per statement, so few large commits
 * beat many small ones. The first request of a hand-off waits up to ACCEPT_LINGER_MS
 * for others, so at a few hundred requests a second they share hand-offs and inserts; the
 * wait ends once ACCEPT_LINGER_MESSAGES are queued, so under heavier load it is short,
 * and batches grow on their own while every producer is busy.
 */
@Injectable()
export class AcceptanceBatcher implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(AcceptanceBatcher.name);
  private readonly repository = new MessageAcceptanceRepository();
  private readonly queue: Pending[] = [];
  private readonly produced: Produced[] = [];
  private readonly freeProducers: TopicProducer[] = [];
  private readonly producers: TopicProducer[];
  private readonly db: Queryable & { end(): Promise<void> };
  private queuedMessages = 0;
  private producing = 0;
  private inserting = 0;
  private batchNumber = 0;
  private closed = false;
  private drained: Array<() => void> = [];
  private lingerTimer: NodeJS.Timeout | null = null;
  private readonly batchSize;
  private readonly insertSize;
  private readonly acceptSeconds;
  private readonly outcomes;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    kafka: KafkaProducer,
    private readonly statuses: StatusPublisher,
    metrics: MetricsRegistry,
  ) {
    // An insert starts before the deadline and Postgres aborts it after half a deadline more: a row is
    // never committed later than 1.5 × ACCEPT_DEADLINE_MS after acceptance, inside downstream's grace.
    this.db = boundedPool(config.DATABASE_URL, config.ACCEPT_INSERT_CONCURRENCY, Math.ceil(config.ACCEPT_DEADLINE_MS / 2));
    this.producers = Array.from({ length: config.ACCEPT_CONCURRENCY }, () => kafka.dedicatedProducer());
    const sizes = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
    this.batchSize = metrics.histogram('gateway_accept_produce_messages', 'Messages per Kafka hand-off', sizes);
    this.insertSize = metrics.histogram('gateway_accept_insert_messages', 'Messages per insert statement (one commit)', sizes);
    this.acceptSeconds = metrics.histogram('gateway_accept_seconds', 'From acceptance of a request to its rows committed', [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5]);
    this.outcomes = metrics.counter('gateway_accepted_messages_total', 'Messages by acceptance outcome', ['outcome']);
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.producers.map((producer) => producer.connect()));
    this.freeProducers.push(...this.producers);
  }

  /** Resolves once the work is in Kafka and committed in Postgres; rejects with an ApiError otherwise. */
  submit(work: AcceptanceWork): Promise<void> {
    if (this.closed) return Promise.reject(new ApiError('Unavailable', 'the gateway is shutting down; retry', { 'retry-after': '1' }));
    // Shed load before it turns into wasted work: a queue this old would only fail its deadline later.
    const oldest = this.queue[0];
    const waited = oldest ? Date.now() - oldest.work.acceptedAt : 0;
    if (waited > this.config.ACCEPT_DEADLINE_MS / 4 || (this.queue.length > 0 && this.queuedMessages + work.messages.length > this.config.ACCEPT_QUEUE_MAX_MESSAGES)) {
      this.outcomes.inc({ outcome: 'overloaded' }, work.messages.length);
      return Promise.reject(new ApiError('Unavailable', 'the gateway is overloaded; retry shortly', { 'retry-after': '1' }));
    }
    const bytes = work.records.reduce((sum, r) => sum + recordBytes(r), 0);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ work, bytes, resolve, reject });
      this.queuedMessages += work.messages.length;
      this.pump();
    });
  }

  /** Stops taking work and waits (bounded by SHUTDOWN_TIMEOUT_MS) for what was taken. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.idle()) return;
    await Promise.race([
      new Promise<void>((resolve) => this.drained.push(resolve)),
      new Promise<void>((resolve) => setTimeout(resolve, this.config.SHUTDOWN_TIMEOUT_MS).unref()),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.producers.map((producer) => producer.disconnect().catch(() => undefined)), this.db.end().catch(() => undefined)]);
  }

  private idle(): boolean {
    return this.producing === 0 && this.inserting === 0 && this.queue.length === 0 && this.produced.length === 0;
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.lingering()) {
      const producer = this.freeProducers.pop();
      if (!producer) break;
      const batch = this.takeQueued();
      this.producing += 1;
      void this.produce(producer, batch).finally(() => {
        this.producing -= 1;
        this.freeProducers.push(producer);
        this.pump();
      });
    }
    while (this.inserting < this.config.ACCEPT_INSERT_CONCURRENCY && this.produced.length > 0) {
      const group = this.takeProduced();
      this.inserting += 1;
      void this.insert(group).finally(() => {
        this.inserting -= 1;
        this.pump();
      });
    }
    if (this.idle()) this.drained.splice(0).forEach((resolve) => resolve());
  }

  /**
   * True while fewer than ACCEPT_LINGER_MESSAGES wait and the oldest request waiting is
   * younger than ACCEPT_LINGER_MS (from its arrival) or has waited here less than
   * MIN_LINGER_MS: the queue is pumped again when it comes of age. With ACCEPT_LINGER_MS 0
   * nothing waits.
   */
  private lingering(): boolean {
    const oldest = this.queue[0];
    if (!oldest || this.config.ACCEPT_LINGER_MS === 0) return false;
    if (this.queuedMessages >= Math.min(this.config.ACCEPT_LINGER_MESSAGES, this.config.ACCEPT_BATCH_MAX_MESSAGES)) return false;
    const { arrivedAt, acceptedAt } = oldest.work;
    const until = Math.max((arrivedAt ?? acceptedAt) + this.config.ACCEPT_LINGER_MS, acceptedAt + Math.min(MIN_LINGER_MS, this.config.ACCEPT_LINGER_MS));
    const left = until - Date.now();
    if (left <= 0) return false;
    this.lingerTimer ??= setTimeout(() => {
      this.lingerTimer = null;
      this.pump();
    }, left);
    return true;
  }

  /** The oldest requests first, as many as fit; a request is never split across batches. */
  private takeQueued(): Pending[] {
    const batch: Pending[] = [];
    let messages = 0;
    let bytes = 0;
    for (let next = this.queue[0]; next; next = this.queue[0]) {
      const fits = messages + next.work.messages.length <= this.config.ACCEPT_BATCH_MAX_MESSAGES && bytes + next.bytes <= MAX_BATCH_BYTES;
      if (batch.length > 0 && !fits) break;
      this.queue.shift();
      this.queuedMessages -= next.work.messages.length;
      batch.push(next);
      messages += next.work.messages.length;
      bytes += next.bytes;
    }
    return batch;
  }

  private takeProduced(): Produced[] {
    const group: Produced[] = [];
    let messages = 0;
    for (let next = this.produced[0]; next && (group.length === 0 || messages + next.messages <= MAX_INSERT_MESSAGES); next = this.produced[0]) {
      this.produced.shift();
      group.push(next);
      messages += next.messages;
    }
    return group;
  }

  private async produce(producer: TopicProducer, batch: Pending[]): Promise<void> {
    const number = ++this.batchNumber;
    const oldest = Math.min(...batch.map((p) => p.work.acceptedAt));
    const messages = batch.reduce((n, p) => n + p.work.messages.length, 0);
    try {
      this.assertWithinDeadline(oldest);
      await this.failpoint('before-produce', number);
      // Produce requests of at most 512 KiB, one after another, each acknowledged by every in-sync replica.
      await this.withinDeadline(oldest, producer.send(Topic.SmsSubmitted, batch.flatMap((p) => p.work.records)));
      await this.failpoint('after-produce', number);
      this.batchSize.observe(messages);
      this.produced.push({ number, requests: batch, oldest, messages });
    } catch (error: unknown) {
      this.fail(batch, error);
    }
  }

  private async insert(group: readonly Produced[]): Promise<void> {
    // Past the deadline downstream may already have given up waiting for these rows: do not write them late.
    const now = Date.now();
    const late = group.filter((g) => now - g.oldest > this.config.ACCEPT_DEADLINE_MS);
    const timely = group.filter((g) => now - g.oldest <= this.config.ACCEPT_DEADLINE_MS);
    late.forEach((g) => this.fail(g.requests, this.deadlineError()));
    if (timely.length === 0) return;
    const requests = timely.flatMap((g) => g.requests);
    try {
      const messages = requests.flatMap((p) => p.work.messages);
      const inserted = await this.repository.insertBatch(this.db, messages, requests.flatMap((p) => p.work.media));
      for (const g of timely) await this.failpoint('after-commit', g.number);
      this.insertSize.observe(messages.length);
      this.outcomes.inc({ outcome: 'accepted' }, messages.length);
      const done = Date.now();
      for (const p of requests) {
        this.acceptSeconds.observe((done - p.work.acceptedAt) / 1000);
        p.resolve();
      }
      // The queued/failed status events are committed; publishing them now is an optimisation the outbox sweep backs up.
      this.statuses.publish(inserted);
    } catch (error: unknown) {
      this.fail(requests, error);
    }
  }

  private fail(requests: readonly Pending[], error: unknown): void {
    const messages = requests.reduce((n, p) => n + p.work.messages.length, 0);
    this.outcomes.inc({ outcome: 'failed' }, messages);
    if (!(error instanceof ApiError)) this.logger.error({ err: error, requests: requests.length, messages }, 'acceptance batch failed');
    const answer = error instanceof ApiError ? error : new ApiError('Unavailable', 'the message could not be queued; retry', { 'retry-after': '1' });
    requests.forEach((p) => p.reject(answer));
  }

  /** A hand-off Kafka has not acknowledged by the deadline fails the batch (its records, if they land later, are dropped downstream). */
  private async withinDeadline<T>(oldest: number, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.deadlineError()), Math.max(0, oldest + this.config.ACCEPT_DEADLINE_MS - Date.now()));
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private assertWithinDeadline(oldest: number): void {
    if (Date.now() - oldest > this.config.ACCEPT_DEADLINE_MS) throw this.deadlineError();
  }

  private deadlineError(): ApiError {
    return new ApiError('Unavailable', 'the message could not be queued in time; retry', { 'retry-after': '1' });
  }

  /** Crash tests: the process dies here, exactly as a power cut would leave it. */
  private async failpoint(point: Failpoint, batch: number): Promise<void> {
    if (this.config.GATEWAY_FAILPOINT !== point || this.config.GATEWAY_FAILPOINT_BATCH !== batch) return;
    this.logger.warn({ failpoint: point, batch }, 'failpoint reached: killing the process');
    process.kill(process.pid, 'SIGKILL');
    await new Promise<never>(() => undefined);
  }
}
