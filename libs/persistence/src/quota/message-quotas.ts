// The quotas a submitted message is paced and admitted against, from its account, sender number and the destination's carrier.
import type { Carrier, SmsSubmittedPayload } from '@sluice/contracts';
import { resolveQuotas, type QuotaPlan } from '@sluice/domain';
import type { QuotaContextRepository } from './quota-context.repository';

export interface MessageQuotaPlan {
  /** The hash tag of every quota key of the message (see QuotaBooker and QuotaAdmission). */
  readonly rootAccountId: string;
  readonly carrier: Carrier;
  readonly plan: QuotaPlan;
}

export class MessageQuotas {
  constructor(private readonly context: QuotaContextRepository) {}

  /** Null when the account is unknown or disabled. */
  async plan(message: Pick<SmsSubmittedPayload, 'accountId' | 'type' | 'src' | 'dst'>): Promise<MessageQuotaPlan | null> {
    const account = await this.context.account(message.accountId);
    if (!account) return null;
    const [carrier, sender] = await Promise.all([this.context.carrierFor(message.dst), this.context.sender(message.accountId, account.rootAccountId, message.src)]);
    const plan = resolveQuotas({
      accountId: message.accountId,
      accountSmsMps: account.smsMps,
      accountMmsMps: account.mmsMps,
      type: message.type,
      sender,
      src: message.src,
      carrier: carrier.id,
    });
    return { rootAccountId: account.rootAccountId, carrier, plan };
  }
}
