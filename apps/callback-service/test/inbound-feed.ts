// Stores inbound messages as carrier-dispatch does (a `received` record of the number's owner,
// sealed when its Application logs no incoming messages) and publishes their sms.inbound
// events, so callback-service sees exactly what it sees in production.
import { MessageDirection, MessageErrorCode, MessageIntent, MessageState, MessageType, SmsInboundPayload, TextEncoding, Topic } from '@sluice/contracts';
import { redactNumber, sealContent } from '@sluice/domain';
import { ApplicationFields, ApplicationRepository, MessageEntity } from '@sluice/persistence';
import { testInfrastructure } from '@sluice/testing';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

export interface NewInbound {
  readonly accountId: string;
  readonly appId: string | null;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly type?: MessageType;
  readonly mediaUrls?: readonly string[];
  /** The Application's log_incoming_messages. */
  readonly log?: boolean;
  readonly intent?: MessageIntent | null;
}

export class InboundFeed {
  private readonly producer: Producer;
  private readonly applications: ApplicationRepository;

  constructor(private readonly dataSource: DataSource) {
    this.applications = new ApplicationRepository(dataSource);
    const kafka = new Kafka({ clientId: 'inbound-int-spec', brokers: testInfrastructure().kafkaBrokers, logLevel: logLevel.NOTHING });
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  async application(accountId: string, fields: Partial<ApplicationFields> = {}): Promise<string> {
    const app = await this.applications.create(accountId, {
      appName: `inbound-${randomUUID()}`,
      messageUrl: null,
      messageMethod: 'POST',
      logIncomingMessages: true,
      defaultNumberApp: false,
      extra: {},
      ...fields,
    });
    return app.appId;
  }

  /** The `received` record with its first status event, and its sms.inbound payload (unpublished). */
  async receive(input: NewInbound): Promise<SmsInboundPayload> {
    const now = new Date();
    const messageUuid = randomUUID();
    const type = input.type ?? MessageType.Sms;
    const mediaUrls = input.mediaUrls ?? [];
    const keep = input.log ?? true;
    const sealing = keep ? null : sealContent({ text: input.text, mediaUrls });
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(MessageEntity).insert({
        messageUuid,
        accountId: input.accountId,
        rootAccountId: input.accountId,
        messageTime: now,
        messageDirection: MessageDirection.Inbound,
        messageState: MessageState.Received,
        messageType: type,
        fromNumber: keep ? input.from : redactNumber(input.from),
        toNumber: input.to,
        text: keep ? input.text : null,
        encoding: TextEncoding.Gsm7,
        logMode: keep ? 'true' : 'false',
        units: 1,
        totalRate: '0.00100',
        totalAmount: '0.00100',
        errorCode: MessageErrorCode.Ok,
        messageExpiry: 0,
        callbackUrl: null,
        callbackMethod: 'POST',
        sequence: 1,
        queuedAt: now,
        updatedAt: now,
      });
      await manager.query(`UPDATE messages SET content_key = $2, app_id = $3, message_intent = $4 WHERE message_uuid = $1`, [
        messageUuid,
        sealing?.key ?? null,
        input.appId,
        input.intent ?? null,
      ]);
      await manager.query(`INSERT INTO status_events (message_uuid, sequence, state, error_code, occurred_at) VALUES ($1, 1, $2, $3, $4)`, [
        messageUuid,
        MessageState.Received,
        MessageErrorCode.Ok,
        now,
      ]);
    });
    return {
      messageUuid,
      accountId: input.accountId,
      appId: input.appId,
      from: input.from,
      to: input.to,
      type,
      text: sealing ? '' : input.text,
      ...(sealing ? { sealedContent: sealing.sealed } : {}),
      mediaUrls: sealing ? [] : mediaUrls,
      units: 1,
      totalRate: '0.00100',
      totalAmount: '0.00100',
      intent: input.intent ?? null,
      powerpackUuid: null,
      receivedAt: now.getTime(),
    };
  }

  async publish(payloads: readonly SmsInboundPayload[]): Promise<void> {
    await this.producer.send({
      topic: Topic.SmsInbound,
      acks: -1,
      messages: payloads.map((p) => ({ key: p.messageUuid, value: JSON.stringify(p) })),
    });
  }
}
