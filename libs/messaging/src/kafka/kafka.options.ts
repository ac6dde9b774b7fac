export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

export interface KafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
}
