// Accepts messages durably and reads them back for their owner.
import { Injectable } from '@nestjs/common';
import { LogMode, MessageDirection, MessageErrorCode, MessageState, SmsSubmittedPayload, Topic } from '@sluice/contracts';
import { countUnits, isNanp, redactNumber } from '@sluice/domain';
import { KafkaProducer, OutboxRelay } from '@sluice/messaging';
import { MessageEntity, MessageRepository, RateCardEntity } from '@sluice/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiError } from '../errors/api-error';
import type { SendMessageCommand } from './send-message.dto';

export interface SendResult {
  readonly messageUuids: string[];
  readonly invalidNumbers: readonly string[];
}

const RATE_CACHE_TTL_MS = 60_000;

@Injectable()
export class MessagesService {
  private rates: { byKey: Map<string, string>; expiresAt: number } | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly messages: MessageRepository,
    private readonly producer: KafkaProducer,
    private readonly outbox: OutboxRelay,
  ) {}

  /**
   * Writes the records and hands the messages to Kafka inside one transaction: the
   * commit happens only after every in-sync replica has the records, so a 202 means
   * both are durable. A crash before the commit leaves Kafka records with no row,
   * which the downstream services drop; the client got no 202 for them.
   */
  async send(authId: string, command: SendMessageCommand): Promise<SendResult> {
    const { encoding, units, tooLong } = countUnits(command.text);
    if (tooLong) throw ApiError.invalid('text', 'is too long: at most 1,600 GSM-7 or 737 Unicode characters');
    const now = new Date();
    const entities: MessageEntity[] = [];
    const payloads: SmsSubmittedPayload[] = [];
    for (const dst of command.destinations) {
      const country = countryOf(dst);
      if (!country) throw ApiError.invalid('dst', 'only US and Canadian destinations are supported');
      const rate = await this.rateFor(country, command.type);
      const messageUuid = randomUUID();
      entities.push(
        Object.assign(new MessageEntity(), {
          messageUuid,
          accountId: authId,
          messageTime: now,
          messageDirection: MessageDirection.Outbound,
          messageState: MessageState.Queued,
          messageType: command.type,
          fromNumber: command.src,
          toNumber: command.log === LogMode.All || command.log === LogMode.NumberOnly ? dst : redactNumber(dst),
          text: command.log === LogMode.All || command.log === LogMode.ContentOnly ? command.text : null,
          encoding,
          logMode: command.log,
          units,
          totalRate: rate,
          totalAmount: (Number(rate) * units).toFixed(5),
          errorCode: MessageErrorCode.Ok,
          messageExpiry: command.messageExpiry,
          callbackUrl: command.url,
          callbackMethod: command.method,
          sequence: 1,
          carrierMessageId: null,
          mcc: null,
          mnc: null,
          queuedAt: now,
          sentAt: null,
          deliveryReportAt: null,
          updatedAt: now,
        }),
      );
      payloads.push({
        messageUuid,
        accountId: authId,
        type: command.type,
        src: command.src,
        dst,
        text: command.text,
        encoding,
        units,
        mediaUrls: [],
        log: command.log,
        acceptedAt: now.getTime(),
        messageExpiry: command.messageExpiry,
      });
    }
    const outboxIds = await this.dataSource.transaction(async (manager) => {
      const ids = await this.messages.insertAccepted(manager, entities);
      await this.producer.publish(Topic.SmsSubmitted, payloads);
      return ids;
    });
    // The queued status events are committed; publishing them now is an optimisation the outbox sweep backs up.
    void this.outbox.flush(outboxIds).catch(() => undefined);
    return { messageUuids: entities.map((e) => e.messageUuid), invalidNumbers: command.invalidNumbers };
  }

  /** A message the caller may see: its own, or a subaccount's when the caller is the parent. */
  async findVisible(authId: string, messageUuid: string): Promise<MessageEntity> {
    const message = UUID.test(messageUuid) ? await this.messages.findOne(messageUuid) : null;
    if (!message) throw new ApiError('NotFound', 'message not found');
    if (message.accountId !== authId) {
      const owner = await this.dataSource.query(`SELECT 1 FROM accounts WHERE auth_id = $1 AND parent_auth_id = $2`, [message.accountId, authId]);
      if ((owner as unknown[]).length === 0) throw new ApiError('NotFound', 'message not found');
    }
    return message;
  }

  private async rateFor(country: string, type: string): Promise<string> {
    if (!this.rates || this.rates.expiresAt < Date.now()) {
      const rows = await this.dataSource.getRepository(RateCardEntity).find();
      this.rates = { byKey: new Map(rows.map((r) => [`${r.country}:${r.messageType}`, r.ratePerUnit])), expiresAt: Date.now() + RATE_CACHE_TTL_MS };
    }
    const rate = this.rates.byKey.get(`${country}:${type}`);
    if (rate === undefined) throw ApiError.invalid('dst', `no rate for ${type} to ${country}`);
    return rate;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Canadian area codes; every other NANP number is treated as US. */
const CANADIAN_AREA_CODES = new Set([
  '204', '226', '236', '249', '250', '263', '289', '306', '343', '354', '365', '367', '368', '382', '403', '416', '418', '428', '431',
  '437', '438', '450', '468', '474', '506', '514', '519', '548', '579', '581', '584', '587', '604', '613', '639', '647', '672', '683',
  '705', '709', '742', '753', '778', '780', '782', '807', '819', '825', '867', '873', '879', '902', '905',
]);

function countryOf(e164: string): 'US' | 'CA' | null {
  if (!isNanp(e164)) return null;
  return CANADIAN_AREA_CODES.has(e164.slice(1, 4)) ? 'CA' : 'US';
}
