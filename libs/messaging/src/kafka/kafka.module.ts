import { DynamicModule, Module } from '@nestjs/common';
import { KafkaConsumers } from './kafka-consumers.service';
import { KafkaProducer } from './kafka-producer.service';
import { KAFKA_OPTIONS, KafkaOptions } from './kafka.options';

@Module({})
export class KafkaModule {
  static forRoot(options: KafkaOptions): DynamicModule {
    return {
      module: KafkaModule,
      global: true,
      providers: [{ provide: KAFKA_OPTIONS, useValue: options }, KafkaProducer, KafkaConsumers],
      exports: [KafkaProducer, KafkaConsumers, KAFKA_OPTIONS],
    };
  }
}
