export * from './kafka/kafka.options';
export * from './kafka/kafka.module';
export * from './kafka/kafka-producer.service';
export * from './kafka/kafka-consumer';
export * from './kafka/topic-admin';
export * from './outbox/outbox-relay.service';
export * from './redis/redis.module';
export * from './redis/dispatch-schedule';
