// A promise-returning, type-checked Kafka producer: publish<T>(topic, payload: TopicPayloads[T]).
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Topic, TopicPayloads } from '@sluice/contracts';
import { ReadinessRegistry } from '@sluice/observability';
import { Admin, CompressionTypes, IHeaders, Kafka, Partitioners, Producer, ProducerConfig, logLevel } from 'kafkajs';
import { KAFKA_OPTIONS, KafkaOptions } from './kafka.options';
import { kafkaLogCreator } from './kafka-log';
import { RecordFinder } from './record-finder';
import { withKafkaAdmin } from './topic-admin';
import { topicRecord, TopicProducer } from './topic-producer';

/** Idempotent: broker-side dedupe of retried batches; acks from all in-sync replicas. */
const IDEMPOTENT: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
};

@Injectable()
export class KafkaProducer implements OnModuleInit, OnApplicationShutdown {
  private readonly kafka: Kafka;
  private readonly producer: Producer;

  constructor(@Inject(KAFKA_OPTIONS) options: KafkaOptions, readiness: ReadinessRegistry) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator,
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 5_000 },
    });
    this.producer = this.kafka.producer(IDEMPOTENT);
    readiness.register('kafka', async () => {
      await this.withAdmin((admin) => admin.describeCluster());
    });
  }

  async onModuleInit(): Promise<void> {
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }

  /** Resolves once every in-sync replica has the records. */
  async publish<T extends Topic>(topic: T, payloads: ReadonlyArray<TopicPayloads[T]>): Promise<void> {
    if (payloads.length === 0) return;
    await this.producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.None,
      messages: payloads.map((payload) => topicRecord(topic, payload)),
    });
  }

  /** Publishes records whose payload was serialised elsewhere (the outbox), or passed on as they came (dead letters). */
  async publishRaw(topic: string, records: ReadonlyArray<{ key: string | Buffer | null; value: string | Buffer | null; headers?: IHeaders }>): Promise<void> {
    if (records.length === 0) return;
    await this.producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value, ...(r.headers ? { headers: r.headers } : {}) })) });
  }

  /** A producer like this one with a connection of its own; the caller connects and disconnects it. */
  dedicatedProducer(): TopicProducer {
    return new TopicProducer(this.kafka.producer(IDEMPOTENT));
  }

  /** Reads records of `topic` back; its short-lived consumer groups are named `${groupPrefix}-…`. */
  recordFinder<T extends Topic>(topic: T, groupPrefix: string): RecordFinder<T> {
    return new RecordFinder(this.kafka, topic, groupPrefix);
  }

  /** Runs `work` with a connected admin client, disconnected afterwards. */
  async withAdmin<R>(work: (admin: Admin) => Promise<R>): Promise<R> {
    return withKafkaAdmin(this.kafka, work);
  }
}
