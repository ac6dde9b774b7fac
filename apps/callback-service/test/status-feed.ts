// Creates message records and their status changes as the other services do, and publishes
// the status events to Kafka, so callback-service sees exactly what it sees in production.
import { CallbackMethod, LogMode, MessageErrorCode, MessageState, MessageType, SmsStatusPayload, TextEncoding, Topic, TOPIC_SPECS } from '@sluice/contracts';
import { MessageAcceptanceRepository, MessageRepository, StatusOutboxRepository, TransitionPatch } from '@sluice/persistence';
import { testInfrastructure } from '@sluice/testing';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

export interface NewTestMessage {
  readonly accountId: string;
  readonly url: string | null;
  readonly method?: 'GET' | 'POST';
  readonly from?: string;
  readonly to?: string;
  readonly log?: LogMode;
  readonly units?: number;
}

export class StatusFeed {
  private readonly messages: MessageRepository;
  private readonly producer: Producer;
  private readonly admin: Admin;

  constructor(private readonly dataSource: DataSource) {
    this.messages = new MessageRepository(dataSource);
    const kafka = new Kafka({ clientId: 'callback-int-spec', brokers: testInfrastructure().kafkaBrokers, logLevel: logLevel.NOTHING });
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
    this.admin = kafka.admin();
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    await this.admin.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  /** The consumer group has committed every status event published so far. */
  async caughtUp(groupId: string): Promise<boolean> {
    const [ends, [committed]] = await Promise.all([this.admin.fetchTopicOffsets(Topic.SmsStatus), this.admin.fetchOffsets({ groupId, topics: [Topic.SmsStatus] })]);
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.every((end) => (at.get(end.partition) ?? -1) >= Number(end.high));
  }

  /** Accepts a message as the gateway does (state queued, sequence 1) and returns its uuid and the queued event, unpublished. */
  async accept(input: NewTestMessage): Promise<{ messageUuid: string; event: SmsStatusPayload }> {
    const messageUuid = randomUUID();
    const units = input.units ?? 1;
    const { outbox, events } = await new MessageAcceptanceRepository().insertBatch(
      this.dataSource,
      [
        {
          messageUuid,
          accountId: input.accountId,
          rootAccountId: input.accountId,
          messageType: MessageType.Sms,
          fromNumber: input.from ?? '14155550100',
          toNumber: input.to ?? '12025550123',
          text: null,
          contentKey: null,
          encoding: TextEncoding.Gsm7,
          logMode: input.log ?? LogMode.All,
          units,
          totalRate: '0.00500',
          totalAmount: (0.005 * units).toFixed(5),
          state: MessageState.Queued,
          errorCode: MessageErrorCode.Ok,
          messageExpiry: 10_800,
          callbackUrl: input.url,
          callbackMethod: input.method ?? CallbackMethod.Post,
          powerpackId: null,
          destinationCountry: 'US',
          acceptedAt: new Date(),
        },
      ],
      [],
    );
    await this.dropOutbox(outbox.map((row) => row.id));
    const [event] = events;
    if (!event) throw new Error(`acceptance of ${messageUuid} recorded no event`);
    return { messageUuid, event };
  }

  /** Applies a guarded transition and returns its event, unpublished. */
  async transition(messageUuid: string, state: MessageState, errorCode: MessageErrorCode, patch: TransitionPatch = {}): Promise<SmsStatusPayload> {
    const applied = await this.messages.transition(messageUuid, state, errorCode, patch);
    if (!applied) throw new Error(`transition of ${messageUuid} to ${state} did not apply`);
    await this.dropOutbox([applied.outbox.id]);
    return applied.event;
  }

  async publish(events: readonly SmsStatusPayload[]): Promise<void> {
    if (events.length === 0) return;
    await this.producer.send({
      topic: Topic.SmsStatus,
      acks: -1,
      messages: events.map((e) => ({ key: e.messageUuid, value: JSON.stringify(e) })),
    });
  }

  /**
   * One event on every partition, of a message that does not exist: once a member has
   * consumed them, every record published after them is fresh to it (ConsumedRecord.fresh).
   */
  async touchEveryPartition(): Promise<number> {
    const partitions = TOPIC_SPECS.find((spec) => spec.name === Topic.SmsStatus)?.partitions ?? 0;
    await this.producer.send({
      topic: Topic.SmsStatus,
      acks: -1,
      messages: Array.from({ length: partitions }, (_, partition) => {
        const event: SmsStatusPayload = {
          messageUuid: randomUUID(),
          accountId: 'MA00000000000000TOUCH',
          state: MessageState.Sent,
          errorCode: MessageErrorCode.Ok,
          sequence: 2,
          occurredAt: Date.now(),
        };
        return { key: event.messageUuid, value: JSON.stringify(event), partition };
      }),
    });
    return partitions;
  }

  /** This test publishes the events itself; the outbox rows would only be published a second time by a relay. */
  private async dropOutbox(ids: readonly string[]): Promise<void> {
    await new StatusOutboxRepository(this.dataSource).delete(ids);
  }
}

/** The event as the outbox sweep publishes it after a crash: without what only the writer's own copy carries. */
export function outboxCopy(event: SmsStatusPayload): SmsStatusPayload {
  const { record, accepted, ...copy } = event;
  return copy;
}
