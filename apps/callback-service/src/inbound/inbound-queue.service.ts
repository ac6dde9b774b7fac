// Turns consumed inbound messages into due deliveries to their Application's Message URL;
// nothing here waits on a customer.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { MessageState, SmsInboundPayload } from '@sluice/contracts';
import { sealContentWith } from '@sluice/domain';
import { CallbackDeliveryRepository, InboundEnqueue, InboundRequestFields, InboundTarget, MessageRepository } from '@sluice/persistence';
import { CALLBACK_CONFIG, CallbackConfig } from '../callback.config';
import { CallbackMetrics } from '../callback.metrics';
import { destinationOf } from '../destination-policy';

@Injectable()
export class InboundQueue {
  private readonly logger = new Logger(InboundQueue.name);

  constructor(
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    private readonly deliveries: CallbackDeliveryRepository,
    private readonly messages: MessageRepository,
    private readonly metrics: CallbackMetrics,
  ) {}

  /**
   * One read and one insert for the batch. A message whose Application has no Message URL
   * stays `received`, and its content key is erased: nothing will ever deliver what is
   * sealed under it. Returns how many deliveries were created.
   */
  async enqueue(payloads: readonly SmsInboundPayload[]): Promise<number> {
    if (payloads.length === 0) return 0;
    const unique = [...new Map(payloads.map((p) => [p.messageUuid, p])).values()];
    const targets = await this.deliveries.inboundTargets(unique.map((p) => ({ messageUuid: p.messageUuid, appId: p.appId })));
    const items: InboundEnqueue[] = [];
    const withoutUrl: string[] = [];
    for (const payload of unique) {
      const target = targets.get(payload.messageUuid);
      if (!target || target.state !== MessageState.Received) {
        // Gone (retention), or already delivered: a replay.
        this.metrics.inbound.inc({ outcome: target ? 'already_handled' : 'unknown_message' });
        continue;
      }
      if (!target.messageUrl) {
        withoutUrl.push(payload.messageUuid);
        continue;
      }
      const fields = this.requestFields(payload, target);
      if (!fields) {
        withoutUrl.push(payload.messageUuid);
        continue;
      }
      items.push({
        messageUuid: payload.messageUuid,
        url: target.messageUrl,
        method: target.messageMethod,
        destination: destinationOf(target.messageUrl),
        occurredAt: new Date(payload.receivedAt),
        fields,
      });
    }
    const created = await this.deliveries.enqueueInbound(items, this.config.CALLBACK_RETRY_DELAYS_MS);
    await this.messages.eraseContentKeys(withoutUrl);
    this.metrics.inbound.inc({ outcome: 'no_url' }, withoutUrl.length);
    for (const item of items) this.metrics.inbound.inc({ outcome: created.has(item.messageUuid) ? 'enqueued' : 'already_enqueued' });
    return created.size;
  }

  /**
   * What the request needs. Sealed content stays sealed; `From` is sealed under the same
   * message key, so the one key erased on leaving `received` makes every copy unreadable.
   */
  private requestFields(payload: SmsInboundPayload, target: InboundTarget): InboundRequestFields | null {
    const common = {
      to: payload.to,
      type: payload.type,
      units: payload.units,
      totalRate: payload.totalRate,
      totalAmount: payload.totalAmount,
      intent: payload.intent,
      powerpackUuid: payload.powerpackUuid,
    };
    if (payload.sealedContent === undefined) {
      return { ...common, from: payload.from, sealedFrom: null, text: payload.text, mediaUrls: payload.mediaUrls, sealedContent: null };
    }
    if (!target.contentKey) {
      this.logger.warn({ messageUuid: payload.messageUuid }, 'inbound content is sealed and its key is gone: it cannot be delivered');
      return null;
    }
    return {
      ...common,
      from: null,
      sealedFrom: sealContentWith(target.contentKey, { text: payload.from, mediaUrls: [] }),
      text: '',
      mediaUrls: [],
      sealedContent: payload.sealedContent,
    };
  }
}
