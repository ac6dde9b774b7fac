// Plivo's messaging Applications and the account's numbers as the public Application and
// Number APIs read and edit them, scoped the way Plivo scopes them: a subaccount sees its own,
// a main account its own and its subaccounts'.
import { randomInt } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { announceConfigChange } from '../config-changes';
import { ApplicationEntity, NumberType } from '../entities';
import type { MessageViewer } from './message-query.repository';

export interface ApplicationFields {
  readonly appName: string;
  readonly messageUrl: string | null;
  readonly messageMethod: 'GET' | 'POST';
  readonly logIncomingMessages: boolean;
  readonly defaultNumberApp: boolean;
  readonly extra: Readonly<Record<string, string | boolean | null>>;
}

export type ApplicationPatch = Partial<ApplicationFields>;

/** An account's number as the Number API shows it. */
export interface AccountNumber {
  readonly number: string;
  readonly accountId: string;
  /** Set when the owner is a subaccount. */
  readonly parentAccountId: string | null;
  readonly accountName: string;
  readonly country: string;
  readonly numberType: NumberType;
  /** Toll-free verification. */
  readonly verified: boolean;
  readonly appId: string | null;
  readonly alias: string | null;
  readonly addedOn: Date;
}

export interface NumberListFilters {
  /** Only this subaccount's numbers (a main account's filter). */
  readonly subaccount?: string;
  readonly numberTypes?: readonly NumberType[];
  readonly numberStartsWith?: string;
  readonly alias?: string;
}

export interface NumberPatch {
  /** Null unassigns. */
  readonly appId?: string | null;
  /** The (sub)account that owns the number from now on. */
  readonly accountId?: string;
  readonly alias?: string | null;
}

interface NumberRow {
  number: string;
  account_id: string;
  parent_auth_id: string | null;
  name: string;
  country: string;
  number_type: NumberType;
  verified: boolean;
  app_id: string | null;
  alias: string | null;
  created_at: Date;
}

const NUMBER_COLUMNS = `p.number, p.account_id, a.parent_auth_id, a.name, p.country, p.number_type, p.verified, p.app_id, p.alias, p.created_at`;

/** `a` is the owner's row in `accounts`. */
function visibleTo(param: string, isSubaccountParam: string): string {
  return `(a.auth_id = ${param} OR (NOT ${isSubaccountParam}::boolean AND a.parent_auth_id = ${param}))`;
}

export class ApplicationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates the application with a new numeric id; a default number app replaces the account's previous one. */
  async create(accountId: string, fields: ApplicationFields): Promise<ApplicationEntity> {
    return this.dataSource.transaction(async (manager) => {
      if (fields.defaultNumberApp) await this.clearDefault(manager, accountId);
      for (;;) {
        const appId = newAppId();
        const inserted: unknown[] = await manager.query(
          `INSERT INTO applications (app_id, account_id, app_name, message_url, message_method, log_incoming_messages, default_number_app, extra)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
           ON CONFLICT (app_id) DO NOTHING
           RETURNING app_id`,
          [appId, accountId, fields.appName, fields.messageUrl, fields.messageMethod, fields.logIncomingMessages, fields.defaultNumberApp, JSON.stringify(fields.extra)],
        );
        if (inserted.length > 0) return manager.getRepository(ApplicationEntity).findOneByOrFail({ appId });
      }
    });
  }

  /** The application if the viewer may see it; another account's is as unknown as a missing one. */
  async findVisible(viewer: MessageViewer, appId: string): Promise<ApplicationEntity | null> {
    const rows: Array<{ app_id: string }> = await this.dataSource.query(
      `SELECT ap.app_id FROM applications ap JOIN accounts a ON a.auth_id = ap.account_id
       WHERE ap.app_id = $1 AND ${visibleTo('$2', '$3')}`,
      [appId, viewer.authId, viewer.isSubaccount],
    );
    return rows.length === 0 ? null : this.dataSource.getRepository(ApplicationEntity).findOneBy({ appId });
  }

  /** Oldest first, so pages are stable while applications are added. */
  async list(
    viewer: MessageViewer,
    filters: { readonly subaccount?: string; readonly appName?: string },
    limit: number,
    offset: number,
  ): Promise<{ applications: ApplicationEntity[]; total: number }> {
    const where = `${visibleTo('$1', '$2')} AND ($3::varchar IS NULL OR ap.account_id = $3) AND ($4::varchar IS NULL OR ap.app_name = $4)`;
    const params = [viewer.authId, viewer.isSubaccount, filters.subaccount ?? null, filters.appName ?? null];
    const [ids, counted] = await Promise.all([
      this.dataSource.query(
        `SELECT ap.app_id FROM applications ap JOIN accounts a ON a.auth_id = ap.account_id WHERE ${where}
         ORDER BY ap.created_at, ap.app_id LIMIT $5 OFFSET $6`,
        [...params, limit, offset],
      ) as Promise<Array<{ app_id: string }>>,
      this.dataSource.query(`SELECT count(*)::int AS n FROM applications ap JOIN accounts a ON a.auth_id = ap.account_id WHERE ${where}`, params) as Promise<
        Array<{ n: number }>
      >,
    ]);
    const found = ids.length === 0 ? [] : await this.dataSource.getRepository(ApplicationEntity).find({ where: ids.map((r) => ({ appId: r.app_id })) });
    const byId = new Map(found.map((app) => [app.appId, app]));
    return { applications: ids.map((r) => byId.get(r.app_id)).filter((app): app is ApplicationEntity => app !== undefined), total: Number(counted[0]?.n ?? 0) };
  }

  async update(appId: string, patch: ApplicationPatch): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const app = await manager.getRepository(ApplicationEntity).findOneBy({ appId });
      if (!app) return;
      if (patch.defaultNumberApp) await this.clearDefault(manager, app.accountId);
      const changes: Partial<ApplicationEntity> = { updatedAt: new Date() };
      if (patch.appName !== undefined) changes.appName = patch.appName;
      if (patch.messageUrl !== undefined) changes.messageUrl = patch.messageUrl;
      if (patch.messageMethod !== undefined) changes.messageMethod = patch.messageMethod;
      if (patch.logIncomingMessages !== undefined) changes.logIncomingMessages = patch.logIncomingMessages;
      if (patch.defaultNumberApp !== undefined) changes.defaultNumberApp = patch.defaultNumberApp;
      if (patch.extra !== undefined) changes.extra = { ...app.extra, ...patch.extra };
      await manager.getRepository(ApplicationEntity).update({ appId }, changes);
    });
  }

  /** Its numbers are unassigned (the foreign key sets their app_id to null). */
  async remove(appId: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(ApplicationEntity).delete({ appId });
      await announceConfigChange(manager, { kind: 'phone_numbers' });
      return (result.affected ?? 0) > 0;
    });
  }

  /** Numbers in E.164 digits order. */
  async listNumbers(viewer: MessageViewer, filters: NumberListFilters, limit: number, offset: number): Promise<{ numbers: AccountNumber[]; total: number }> {
    const where = `${visibleTo('$1', '$2')}
      AND ($3::varchar IS NULL OR p.account_id = $3)
      AND ($4::text[] IS NULL OR p.number_type = ANY($4::text[]))
      AND ($5::varchar IS NULL OR p.number LIKE $5 || '%')
      AND ($6::varchar IS NULL OR p.alias = $6)`;
    const params = [viewer.authId, viewer.isSubaccount, filters.subaccount ?? null, filters.numberTypes ?? null, filters.numberStartsWith ?? null, filters.alias ?? null];
    const [rows, counted] = await Promise.all([
      this.dataSource.query(
        `SELECT ${NUMBER_COLUMNS} FROM phone_numbers p JOIN accounts a ON a.auth_id = p.account_id WHERE ${where}
         ORDER BY p.number LIMIT $7 OFFSET $8`,
        [...params, limit, offset],
      ) as Promise<NumberRow[]>,
      this.dataSource.query(`SELECT count(*)::int AS n FROM phone_numbers p JOIN accounts a ON a.auth_id = p.account_id WHERE ${where}`, params) as Promise<
        Array<{ n: number }>
      >,
    ]);
    return { numbers: rows.map(toAccountNumber), total: Number(counted[0]?.n ?? 0) };
  }

  async findVisibleNumber(viewer: MessageViewer, number: string): Promise<AccountNumber | null> {
    const rows: NumberRow[] = await this.dataSource.query(
      `SELECT ${NUMBER_COLUMNS} FROM phone_numbers p JOIN accounts a ON a.auth_id = p.account_id WHERE p.number = $3 AND ${visibleTo('$1', '$2')}`,
      [viewer.authId, viewer.isSubaccount, number],
    );
    return rows[0] ? toAccountNumber(rows[0]) : null;
  }

  /**
   * Assigns (or unassigns) the number's application, moves it to another account of the
   * family, sets its alias. An application must belong to the number's owner after the
   * change: moving a number away from its application's account unassigns it.
   */
  async updateNumber(number: string, patch: NumberPatch): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE phone_numbers p SET
           account_id = COALESCE($2, p.account_id),
           app_id = CASE WHEN $3::boolean THEN $4
                         WHEN $2::varchar IS NOT NULL AND $2 <> p.account_id THEN NULL
                         ELSE p.app_id END,
           alias = CASE WHEN $5::boolean THEN $6 ELSE p.alias END
         WHERE p.number = $1`,
        [number, patch.accountId ?? null, patch.appId !== undefined, patch.appId ?? null, patch.alias !== undefined, patch.alias ?? null],
      );
      await announceConfigChange(manager, { kind: 'phone_numbers' });
    });
  }

  private async clearDefault(manager: EntityManager, accountId: string): Promise<void> {
    await manager.query(`UPDATE applications SET default_number_app = false, updated_at = now() WHERE account_id = $1 AND default_number_app`, [accountId]);
  }
}

function toAccountNumber(row: NumberRow): AccountNumber {
  return {
    number: row.number,
    accountId: row.account_id,
    parentAccountId: row.parent_auth_id,
    accountName: row.name,
    country: row.country,
    numberType: row.number_type,
    verified: row.verified,
    appId: row.app_id,
    alias: row.alias,
    addedOn: row.created_at,
  };
}

/** 17 digits, not starting with 0, as Plivo's app ids look. */
function newAppId(): string {
  let id = String(randomInt(1, 10));
  while (id.length < 17) id += String(randomInt(0, 10));
  return id;
}
