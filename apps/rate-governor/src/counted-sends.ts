// Postgres's record of recent sends, as the quota windows each send counted against: what a lost window is rebuilt from.
import type { MessageQuotas } from './message-quotas';
import type { CountedSend, RecentSendsSource } from './quota-booker';
import type { ReconcileRepository } from './reconcile.repository';

/** Each send's windows are those its message has now (same account, sender number and carrier rules as at booking). */
export function countedSends(repository: ReconcileRepository, quotas: MessageQuotas): RecentSendsSource {
  return async (rootAccountId, since) => {
    const counted: CountedSend[] = [];
    for (const send of await repository.recentSends(rootAccountId, since)) {
      const planned = await quotas.plan(send);
      if (planned?.plan.ok) counted.push({ messageUuid: send.messageUuid, sentAt: send.sentAt, units: send.units, windows: planned.plan.windows });
    }
    return counted;
  };
}
