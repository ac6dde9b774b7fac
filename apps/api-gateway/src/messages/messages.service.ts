// Sends (validated command → priced, redacted rows and Kafka records → durable batch) and reads for the caller.
import { Inject, Injectable } from '@nestjs/common';
import { MessageErrorCode, MessageState, MessageType, SmsSubmittedPayload, Topic } from '@sluice/contracts';
import { countUnits, destinationCountry, isUuid, messageAmount, newMessageUuid, sealContent } from '@sluice/domain';
import { Coalescer, topicRecord, TopicRecord } from '@sluice/messaging';
import {
  AcceptedMediaRow,
  AcceptedMessageRow,
  AccountAdminRepository,
  MessageEntity,
  MessageListFilters,
  MessageMediaEntity,
  MessagePage,
  MessageQueryRepository,
  MessageViewer,
  OptOutRepository,
  optOutKey,
  PowerpackPool,
} from '@sluice/persistence';
import { randomUUID } from 'node:crypto';
import { AcceptanceBatcher } from '../acceptance/acceptance.batcher';
import type { Caller } from '../auth/basic-auth.guard';
import { SendControls } from '../controls/send-controls.service';
import { ApiError } from '../errors/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { TrafficMonitor } from '../traffic/traffic-monitor.service';
import type { ListMessagesQuery } from './list-messages.dto';
import { InspectedMedia, MediaInspector, mediaTooLarge } from './media-inspector';
import { pickSender } from './powerpack-sender';
import { storedForm } from './redaction';
import { rateKey, SendCatalog } from './send-catalog';
import type { SendMessageCommand } from './send-message.dto';

export interface SendResult {
  readonly messageUuids: string[];
  readonly invalidNumbers: readonly string[];
}

@Injectable()
export class MessagesService {
  private powerpackTurn = 0;
  /** Opt-out lookups of sends within ACCEPT_LINGER_MS of each other share one statement (the wait ends once ACCEPT_LINGER_MESSAGES sends wait). */
  private readonly optOutLookups: Coalescer<{ rootAccountId: string; recipients: readonly string[] }, Set<string>>;

  constructor(
    private readonly catalog: SendCatalog,
    private readonly media: MediaInspector,
    private readonly batcher: AcceptanceBatcher,
    private readonly query: MessageQueryRepository,
    private readonly accounts: AccountAdminRepository,
    private readonly controls: SendControls,
    private readonly traffic: TrafficMonitor,
    optOuts: OptOutRepository,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.optOutLookups = new Coalescer((lookups) => optOuts.optedOutMany(lookups), 200, config.ACCEPT_LINGER_MS, config.ACCEPT_LINGER_MESSAGES);
  }

  async send(caller: Caller, command: SendMessageCommand): Promise<SendResult> {
    const arrivedAt = Date.now();
    const [rates, pool, optedOut] = await Promise.all([
      this.catalog.rates(),
      command.powerpackUuid ? this.powerpack(caller, command.powerpackUuid) : null,
      // Read for every send, not cached: a STOP applies to the very next send.
      this.optOutLookups.add({ rootAccountId: caller.rootAuthId, recipients: command.destinations }),
    ]);

    const invalidNumbers = [...command.invalidNumbers];
    const counted = countUnits(command.text);
    // An MMS is one unit whatever its text; the text limits still apply to it.
    // (A text far past the limits is refused with 110 anyway; the cap keeps its count in the column's range.)
    const units = command.type === MessageType.Mms ? 1 : Math.min(counted.units, 32_767);
    let failure: MessageErrorCode | null = counted.tooLong ? MessageErrorCode.TooLong : null;
    let inspected: InspectedMedia[] = [];
    if (command.mediaUrls.length > 0) {
      inspected = await this.media.inspect(command.mediaUrls);
      if (!failure && mediaTooLarge(inspected, Buffer.byteLength(command.text))) failure = MessageErrorCode.MediaTooLarge;
    }

    // Sender ownership (400), geo permissions (450), country thresholds (451) and spending limits (490).
    const admission = await this.controls.admit(caller, { src: command.src, destinations: command.destinations, type: command.type, units, charged: failure === null, rates });

    // Acceptance (message_time, the expiry clock, the durability deadline) starts once the media checks are done.
    const acceptedAt = new Date();
    const messages: AcceptedMessageRow[] = [];
    const mediaRows: AcceptedMediaRow[] = [];
    const records: Array<TopicRecord<typeof Topic.SmsSubmitted>> = [];
    for (const dst of command.destinations) {
      const country = destinationCountry(dst);
      const barred = admission.refusal(dst) === MessageErrorCode.DestinationCountryBarred;
      const rate = country ? rates.get(rateKey(country, command.type)) : undefined;
      const src = command.src ?? (pool && country ? pickSender(pool.numbers, dst, country, command.type, pool.powerpack.stickySender, this.powerpackTurn++) : null);
      // A recipient who opted out of the sender (STOP, or an operator's entry) gets nothing from it: 200, not charged.
      const refusal = failure ?? admission.refusal(dst) ?? (src !== null && optedOut.has(optOutKey(src, dst)) ? MessageErrorCode.OptOut : null);
      // No price means Sluice does not route there (unless the country is barred: that fails with 450); a pool with no usable number cannot send it.
      if (!country || !src || src === dst || (rate === undefined && !barred)) {
        invalidNumbers.push(dst);
        continue;
      }
      const messageUuid = newMessageUuid();
      const stored = storedForm(command.log, dst, command.text);
      // Content that `log` does not keep travels sealed; its key is on the row until the message leaves the queue.
      const sealing = !refusal && stored.text === null ? sealContent({ text: command.text, mediaUrls: command.mediaUrls }) : null;
      messages.push({
        messageUuid,
        accountId: caller.authId,
        rootAccountId: caller.rootAuthId,
        messageType: command.type,
        fromNumber: src,
        toNumber: stored.toNumber,
        text: stored.text,
        contentKey: sealing?.key ?? null,
        encoding: counted.encoding,
        logMode: command.log,
        units,
        // Messages refused at acceptance are not charged.
        totalRate: refusal || rate === undefined ? '0.00000' : Number(rate).toFixed(5),
        totalAmount: refusal || rate === undefined ? '0.00000' : messageAmount(rate, units),
        state: refusal ? MessageState.Failed : MessageState.Queued,
        errorCode: refusal ?? MessageErrorCode.Ok,
        messageExpiry: command.messageExpiry,
        callbackUrl: command.url,
        callbackMethod: command.method,
        powerpackId: pool ? pool.powerpack.powerpackUuid : null,
        destinationCountry: country,
        acceptedAt,
      });
      inspected.forEach((m, position) =>
        mediaRows.push({ messageUuid, position, mediaId: randomUUID(), mediaUrl: stored.keepsMedia ? m.url : null, contentType: m.contentType, size: m.size }),
      );
      if (!refusal) {
        const payload: SmsSubmittedPayload = {
          messageUuid,
          accountId: caller.authId,
          type: command.type,
          src,
          dst,
          text: sealing ? '' : command.text,
          ...(sealing ? { sealedContent: sealing.sealed } : {}),
          encoding: counted.encoding,
          units,
          mediaUrls: sealing ? [] : command.mediaUrls,
          log: command.log,
          acceptedAt: acceptedAt.getTime(),
          messageExpiry: command.messageExpiry,
        };
        records.push(topicRecord(Topic.SmsSubmitted, payload));
      }
    }
    if (messages.length === 0) {
      throw ApiError.invalid('dst', 'has no destination Sluice can send to (US or Canadian numbers with a rate on the rate card)');
    }
    await admission.settle(this.batcher.submit({ messages, media: mediaRows, records, acceptedAt: acceptedAt.getTime(), arrivedAt }));
    this.traffic.observe(caller, command, messages, invalidNumbers);
    return { messageUuids: messages.map((m) => m.messageUuid), invalidNumbers };
  }

  /** A message the caller may see: its own, or a subaccount's when the caller is the main account. */
  async findVisible(caller: Caller, messageUuid: string): Promise<MessageEntity> {
    const message = isUuid(messageUuid) ? await this.query.findVisible(viewerOf(caller), messageUuid.toLowerCase()) : null;
    if (!message) throw ApiError.notFound('message');
    return message;
  }

  async list(caller: Caller, query: ListMessagesQuery, countCap: number): Promise<MessagePage> {
    await this.checkSubaccountFilter(viewerOf(caller), query.filters);
    return this.query.list(viewerOf(caller), query.filters, query.limit, query.offset, countCap);
  }

  /** The `subaccount` filter (list and export) must name a subaccount of the viewer, which must be a main account. */
  async checkSubaccountFilter(viewer: MessageViewer, filters: MessageListFilters): Promise<void> {
    const subaccount = filters.subaccount;
    if (subaccount !== undefined && (viewer.isSubaccount || !(await this.accounts.isSubaccountOf(subaccount, viewer.authId)))) {
      throw ApiError.invalid('subaccount', 'is not a subaccount of this account');
    }
  }

  async mediaOf(caller: Caller, messageUuid: string): Promise<{ message: MessageEntity; media: MessageMediaEntity[] }> {
    const message = await this.findVisible(caller, messageUuid);
    return { message, media: await this.query.media(message.messageUuid) };
  }

  private async powerpack(caller: Caller, powerpackUuid: string): Promise<PowerpackPool> {
    const pool = await this.catalog.pool(powerpackUuid);
    // Another account's powerpack is as unknown as a missing one.
    if (!pool || pool.powerpack.accountId !== caller.authId) throw ApiError.invalid('powerpack_uuid', 'no such powerpack on this account');
    if (pool.numbers.length === 0) throw ApiError.invalid('powerpack_uuid', 'the powerpack has no numbers');
    return pool;
  }
}

/** The caller as the message queries see it. */
export function viewerOf(caller: Caller): MessageViewer {
  return { authId: caller.authId, isSubaccount: caller.isSubaccount };
}
