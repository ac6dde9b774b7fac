// Postgres's record of recent sends: what a quota window lost with Redis's data is rebuilt from.
import type { MessageType } from '@sluice/contracts';
import type { DataSource } from 'typeorm';

/** A message the carrier received recently, as counted against quota windows. */
export interface RecentSend {
  readonly messageUuid: string;
  readonly accountId: string;
  readonly type: MessageType;
  readonly src: string;
  /** As stored: partially redacted when `log` kept no number (its prefix still names the carrier). */
  readonly dst: string;
  readonly units: number;
  /** Epoch ms. */
  readonly sentAt: number;
}

export class RecentSendsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Messages of a root account's family the carrier received at or after `since` (epoch ms). */
  async recentSends(rootAccountId: string, since: number): Promise<RecentSend[]> {
    const rows: Array<{
      message_uuid: string;
      account_id: string;
      message_type: MessageType;
      from_number: string;
      to_number: string;
      units: number;
      sent_ms: string;
    }> = await this.dataSource.query(
      `SELECT message_uuid, account_id, message_type, from_number, to_number, units, (extract(epoch from sent_at) * 1000)::bigint AS sent_ms
         FROM messages WHERE root_account_id = $1 AND sent_at >= to_timestamp($2::double precision / 1000)`,
      [rootAccountId, since],
    );
    return rows.map((r) => ({
      messageUuid: r.message_uuid,
      accountId: r.account_id,
      type: r.message_type,
      src: r.from_number,
      dst: r.to_number,
      units: Number(r.units),
      sentAt: Number(r.sent_ms),
    }));
  }
}
