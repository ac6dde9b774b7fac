// The opt-out list: (sender number, recipient) pairs a main account must not send to, kept by STOP / START and operators.
import type { DataSource } from 'typeorm';
import { preparedQuery } from './prepared';

export const OptOutSource = {
  /** The recipient texted an opt-out keyword (STOP, ...). */
  Keyword: 'keyword',
  /** Added through the admin API. */
  Admin: 'admin',
} as const;
export type OptOutSource = (typeof OptOutSource)[keyof typeof OptOutSource];

export interface OptOutEntry {
  /** The main account whose list it is (a subaccount's numbers share their parent's list). */
  readonly rootAccountId: string;
  /** The account's number the recipient opted out of. */
  readonly sender: string;
  readonly recipient: string;
  readonly source: OptOutSource;
  readonly createdAt: Date;
}

interface OptOutRecord {
  root_account_id: string;
  sender: string;
  recipient: string;
  source: OptOutSource;
  created_at: Date;
}

const toEntry = (r: OptOutRecord): OptOutEntry => ({
  rootAccountId: r.root_account_id,
  sender: r.sender,
  recipient: r.recipient,
  source: r.source,
  createdAt: new Date(r.created_at),
});

/** The key `optedOut` answers with. */
export function optOutKey(sender: string, recipient: string): string {
  return `${sender}>${recipient}`;
}

export class OptOutRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Which (sender, recipient) pairs with one of `recipients` are on the list of `rootAccountId`, as `optOutKey`s. */
  async optedOut(rootAccountId: string, recipients: readonly string[]): Promise<Set<string>> {
    const [answer] = await this.optedOutMany([{ rootAccountId, recipients }]);
    return answer ?? new Set();
  }

  /** `optedOut` for several lookups in one statement: one answer per lookup, in order. */
  async optedOutMany(lookups: ReadonlyArray<{ readonly rootAccountId: string; readonly recipients: readonly string[] }>): Promise<Array<Set<string>>> {
    const roots: string[] = [];
    const recipients: string[] = [];
    for (const lookup of lookups) {
      for (const recipient of lookup.recipients) {
        roots.push(lookup.rootAccountId);
        recipients.push(recipient);
      }
    }
    const found = new Map<string, Set<string>>();
    if (recipients.length > 0) {
      const rows: Array<{ root_account_id: string; sender: string; recipient: string }> = await preparedQuery(this.dataSource,
        `SELECT o.root_account_id, o.sender, o.recipient
         FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS q(root_account_id, recipient)) q
         JOIN opt_outs o ON o.root_account_id = q.root_account_id AND o.recipient = q.recipient`,
        [roots, recipients],
      );
      for (const r of rows) {
        const keys = found.get(r.root_account_id) ?? new Set<string>();
        keys.add(optOutKey(r.sender, r.recipient));
        found.set(r.root_account_id, keys);
      }
    }
    return lookups.map((lookup) => {
      const wanted = new Set(lookup.recipients);
      return new Set([...(found.get(lookup.rootAccountId) ?? [])].filter((key) => wanted.has(key.slice(key.indexOf('>') + 1))));
    });
  }

  async list(rootAccountId: string, filter: { sender?: string; recipient?: string }, limit: number, offset: number): Promise<{ entries: OptOutEntry[]; total: number }> {
    const where = `root_account_id = $1 AND ($2::text IS NULL OR sender = $2) AND ($3::text IS NULL OR recipient = $3)`;
    const params = [rootAccountId, filter.sender ?? null, filter.recipient ?? null];
    const [rows, count] = await Promise.all([
      this.dataSource.query(`SELECT * FROM opt_outs WHERE ${where} ORDER BY created_at DESC, sender, recipient LIMIT $4 OFFSET $5`, [...params, limit, offset]) as Promise<OptOutRecord[]>,
      this.dataSource.query(`SELECT count(*)::int AS total FROM opt_outs WHERE ${where}`, params) as Promise<Array<{ total: number }>>,
    ]);
    return { entries: rows.map(toEntry), total: count[0]?.total ?? 0 };
  }

  /** Adds the pair (an entry already there is kept as it is) and returns the entry. */
  async add(rootAccountId: string, sender: string, recipient: string, source: OptOutSource): Promise<OptOutEntry> {
    const rows: OptOutRecord[] = await this.dataSource.query(
      `WITH added AS (
         INSERT INTO opt_outs (root_account_id, sender, recipient, source) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING *
       )
       SELECT * FROM added UNION ALL
       SELECT * FROM opt_outs WHERE root_account_id = $1 AND sender = $2 AND recipient = $3 AND NOT EXISTS (SELECT 1 FROM added)`,
      [rootAccountId, sender, recipient, source],
    );
    return toEntry(rows[0]);
  }

  async remove(rootAccountId: string, sender: string, recipient: string): Promise<boolean> {
    const [row]: Array<{ removed: number }> = await this.dataSource.query(
      `WITH gone AS (DELETE FROM opt_outs WHERE root_account_id = $1 AND sender = $2 AND recipient = $3 RETURNING 1) SELECT count(*)::int AS removed FROM gone`,
      [rootAccountId, sender, recipient],
    );
    return (row?.removed ?? 0) > 0;
  }

  /** The main account of `accountId` when `number` is a number of that main account or one of its subaccounts; null otherwise. */
  async rootOwning(accountId: string, number: string): Promise<string | null> {
    const rows: Array<{ root: string }> = await this.dataSource.query(
      `SELECT COALESCE(a.parent_auth_id, a.auth_id) AS root
       FROM accounts a JOIN phone_numbers n ON n.number = $2
       JOIN accounts owner ON owner.auth_id = n.account_id
       WHERE a.auth_id = $1 AND COALESCE(owner.parent_auth_id, owner.auth_id) = COALESCE(a.parent_auth_id, a.auth_id)`,
      [accountId, number],
    );
    return rows[0]?.root ?? null;
  }
}
