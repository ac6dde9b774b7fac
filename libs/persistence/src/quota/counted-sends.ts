// Postgres's record of recent sends, as the quota windows each send counted against: what a lost window is rebuilt from.
import type { CountedSend, RecentSendsSource } from '@sluice/domain';
import type { MessageQuotas } from './message-quotas';
import type { RecentSendsRepository } from './recent-sends.repository';

/** Each send's windows are those its message has now (same account, sender number and carrier rules as at booking). */
export function countedSends(repository: RecentSendsRepository, quotas: MessageQuotas): RecentSendsSource {
  return async (rootAccountId, since) => {
    const counted: CountedSend[] = [];
    for (const send of await repository.recentSends(rootAccountId, since)) {
      const planned = await quotas.plan(send);
      if (planned?.plan.ok) counted.push({ messageUuid: send.messageUuid, sentAt: send.sentAt, units: send.units, windows: planned.plan.windows });
    }
    return counted;
  };
}
