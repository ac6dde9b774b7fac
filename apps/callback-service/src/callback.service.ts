// Consumes status changes and reports each to the message's callback url, recording every attempt.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SmsStatusPayload, Topic } from '@sluice/contracts';
import { BatchConsumer, KafkaProducer } from '@sluice/messaging';
import { MetricsRegistry } from '@sluice/observability';
import { CallbackAttemptEntity, MessageEntity, MessageRepository } from '@sluice/persistence';
import { DataSource } from 'typeorm';
import { buildCallback, callbackParams } from './callback-request';
import { CALLBACK_CONFIG, CallbackConfig } from './callback.config';

@Injectable()
export class CallbackService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CallbackService.name);
  private readonly consumer: BatchConsumer<typeof Topic.SmsStatus>;
  private readonly attempts;

  constructor(
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    producer: KafkaProducer,
    private readonly messages: MessageRepository,
    private readonly dataSource: DataSource,
    metrics: MetricsRegistry,
  ) {
    this.attempts = metrics.counter('callback_attempts_total', 'Callback HTTP attempts by outcome', ['outcome']);
    this.consumer = new BatchConsumer({
      kafka: producer.client(),
      groupId: config.KAFKA_GROUP_ID,
      topic: Topic.SmsStatus,
      handle: async (records, heartbeat) => {
        for (const { payload } of records) {
          await this.report(payload);
          await heartbeat();
        }
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  async report(event: SmsStatusPayload): Promise<void> {
    const message = await this.messages.findOne(event.messageUuid);
    if (!message?.callbackUrl) return;
    if (await this.alreadyDelivered(event)) {
      this.attempts.inc({ outcome: 'duplicate_event' });
      return;
    }
    await this.attempt(message, event, 1);
  }

  private async attempt(message: MessageEntity, event: SmsStatusPayload, attempt: number): Promise<boolean> {
    const { url, init } = buildCallback(message.callbackUrl!, message.callbackMethod, callbackParams(message, event));
    const started = Date.now();
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.config.CALLBACK_TIMEOUT_MS) });
      httpStatus = response.status;
      await response.body?.cancel();
    } catch (e: unknown) {
      error = e instanceof Error ? e.message : String(e);
    }
    const succeeded = httpStatus !== null && httpStatus >= 200 && httpStatus < 300;
    await this.dataSource.getRepository(CallbackAttemptEntity).insert({
      messageUuid: message.messageUuid,
      sequence: event.sequence,
      status: event.state,
      method: message.callbackMethod,
      url: message.callbackUrl!,
      attempt,
      attemptedAt: new Date(started),
      httpStatus,
      latencyMs: Date.now() - started,
      error,
      succeeded,
    });
    this.attempts.inc({ outcome: succeeded ? 'success' : 'failure' });
    if (!succeeded) this.logger.warn({ messageUuid: message.messageUuid, httpStatus, error }, 'callback failed');
    return succeeded;
  }

  private async alreadyDelivered(event: SmsStatusPayload): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM callback_attempts WHERE message_uuid = $1 AND sequence = $2 AND succeeded LIMIT 1`,
      [event.messageUuid, event.sequence],
    );
    return rows.length > 0;
  }
}
