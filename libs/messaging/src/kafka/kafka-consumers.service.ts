// Creates an app's batch consumers: one Kafka client for them all, each consumer watched by
// the supervisor, dead letters published through the app's producer.
import { Inject, Injectable } from '@nestjs/common';
import { Topic } from '@sluice/contracts';
import { MetricsRegistry, Supervisor } from '@sluice/observability';
import { Kafka, logLevel } from 'kafkajs';
import type { Counter } from 'prom-client';
import { BatchConsumer, BatchConsumerOptions } from './kafka-consumer';
import { kafkaLogCreator } from './kafka-log';
import { KafkaProducer } from './kafka-producer.service';
import { KAFKA_OPTIONS, KafkaOptions } from './kafka.options';

@Injectable()
export class KafkaConsumers {
  private readonly kafka: Kafka;
  private readonly poisonRecords: Counter<'topic'>;

  constructor(
    @Inject(KAFKA_OPTIONS) options: KafkaOptions,
    private readonly producer: KafkaProducer,
    private readonly supervisor: Supervisor,
    metrics: MetricsRegistry,
  ) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator,
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    this.poisonRecords = metrics.counter(
      'consumer_poison_records_total',
      'Records set aside on their topic\'s dead-letter topic because they could not be parsed or validated',
      ['topic'],
    );
  }

  /**
   * A consumer for `options.topic` in `options.groupId`. It shows in `/health/ready` as
   * `consumer:<group>/<topic>` and in `sluice_consumer_up`; start it with the app and stop it
   * before the app's producer.
   */
  create<T extends Topic>(options: BatchConsumerOptions<T>): BatchConsumer<T> {
    const topic = options.readFrom ?? options.topic;
    this.poisonRecords.inc({ topic }, 0);
    return new BatchConsumer(options, {
      kafka: this.kafka,
      unit: this.supervisor.watchConsumer(topic, options.groupId),
      publishDeadLetters: (deadLetterTopic, records) => this.producer.publishRaw(deadLetterTopic, records),
      poisonRecords: this.poisonRecords,
    });
  }
}
