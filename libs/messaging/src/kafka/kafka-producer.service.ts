// A promise-returning, type-checked Kafka producer: publish<T>(topic, payload: TopicPayloads[T]).
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Topic, TopicKey, TopicPayloads } from '@sluice/contracts';
import { ReadinessRegistry } from '@sluice/observability';
import { CompressionTypes, IHeaders, Kafka, Partitioners, Producer, logLevel } from 'kafkajs';
import { KAFKA_OPTIONS, KafkaOptions } from './kafka.options';
import { kafkaLogCreator } from './kafka-log';

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
    // Idempotent producer: broker-side dedupe of retried batches, acks from all in-sync replicas.
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    readiness.register('kafka', async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        await admin.describeCluster();
      } finally {
        await admin.disconnect();
      }
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
    const key = TopicKey[topic] as (p: TopicPayloads[T]) => string;
    await this.producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.None,
      messages: payloads.map((payload) => ({ key: key(payload), value: JSON.stringify(payload) })),
    });
  }

  /** Publishes records whose payload was serialised elsewhere (the outbox), or passed on as they came (dead letters). */
  async publishRaw(topic: string, records: ReadonlyArray<{ key: string | Buffer | null; value: string | Buffer | null; headers?: IHeaders }>): Promise<void> {
    if (records.length === 0) return;
    await this.producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key, value: r.value, ...(r.headers ? { headers: r.headers } : {}) })) });
  }

  client(): Kafka {
    return this.kafka;
  }
}
