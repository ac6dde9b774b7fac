// Reads of message records as their owner (or the owner's parent account) may see them.
import type { MessageDirection, MessageState, MessageType } from '@sluice/contracts';
import type { Readable } from 'node:stream';
import QueryStream from 'pg-query-stream';
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { MessageEntity, MessageMediaEntity } from '../entities';
import { driverPool } from './driver-pool';

/** Who is reading: a subaccount sees its own messages; a main account also sees its subaccounts'. */
export interface MessageViewer {
  readonly authId: string;
  readonly isSubaccount: boolean;
}

export interface MessageListFilters {
  /** Only this subaccount's messages (a main account's filter). */
  readonly subaccount?: string;
  readonly direction?: MessageDirection;
  readonly state?: MessageState;
  readonly type?: MessageType | string;
  readonly errorCode?: string;
  readonly powerpackId?: string;
  /** Timestamps as Postgres `timestamptz` literals (microseconds kept). */
  readonly timeGt?: string;
  readonly timeGte?: string;
  readonly timeLt?: string;
  readonly timeLte?: string;
}

export interface MessagePage {
  readonly messages: MessageEntity[];
  /** Exact up to `countCap`, then `countCap` (see `list`). */
  readonly totalCount: number;
  readonly hasMore: boolean;
}

export class MessageQueryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The message if the viewer may see it; another account's message is indistinguishable from a missing one. */
  async findVisible(viewer: MessageViewer, messageUuid: string): Promise<MessageEntity | null> {
    const qb = this.dataSource.getRepository(MessageEntity).createQueryBuilder('m').where('m.messageUuid = :messageUuid', { messageUuid });
    this.scope(qb, viewer);
    return qb.getOne();
  }

  /**
   * Newest first (`message_time`, then uuid, so pages are stable). The total is counted
   * by scanning at most `countCap` index entries: counting a 10-million-row account
   * exactly on every page would cost seconds, so past the cap `totalCount` is the cap
   * and `hasMore` (one row fetched past the page) drives pagination.
   */
  async list(viewer: MessageViewer, filters: MessageListFilters, limit: number, offset: number, countCap: number): Promise<MessagePage> {
    const qb = this.filtered(viewer, filters);
    const [countSql, countParams] = qb.clone().select('1').limit(countCap).getQueryAndParameters();
    const page = qb.orderBy('m.messageTime', 'DESC').addOrderBy('m.messageUuid', 'DESC').offset(offset).limit(limit + 1);
    const [rows, counted] = await Promise.all([
      page.getMany(),
      this.dataSource.query(`SELECT count(*)::int AS n FROM (${countSql}) capped`, countParams) as Promise<Array<{ n: number }>>,
    ]);
    const hasMore = rows.length > limit;
    const countedRows = counted[0]?.n ?? 0;
    // The page itself proves a lower bound the capped count may not reach.
    const totalCount = Math.max(countedRows, offset + Math.min(rows.length, limit));
    return { messages: rows.slice(0, limit), totalCount, hasMore };
  }

  /**
   * Every message `list` would show for these filters, in the same order, as a stream of
   * records with the entity's fields. The rows come through a server-side cursor,
   * `batchSize` at a time, on one pooled connection that is held until the stream closes
   * (ended, failed or destroyed): memory stays flat whatever the count, and the reader's
   * pace sets the pace of the fetches.
   */
  async stream(viewer: MessageViewer, filters: MessageListFilters, batchSize = 1_000): Promise<Readable> {
    const columns = this.dataSource.getMetadata(MessageEntity).columns.map((c) => `m.${c.databaseName} AS "${c.propertyName}"`);
    const [sql, parameters] = this.filtered(viewer, filters)
      .select(columns)
      .orderBy('m.messageTime', 'DESC')
      .addOrderBy('m.messageUuid', 'DESC')
      .getQueryAndParameters();
    // A client of its own from the pool TypeORM holds lets a failed cursor destroy its connection.
    const pool = driverPool(this.dataSource);
    if (!pool) throw new Error('the data source is not initialised');
    const client = await pool.connect();
    let failure: Error | undefined;
    try {
      const rows = client.query(new QueryStream(sql, parameters, { batchSize }));
      rows.once('error', (error: Error) => (failure = error));
      // pg-query-stream closes its cursor (Close + Sync) before 'close', so after an early
      // destroy (the reader went away) the connection goes back to the pool clean.
      rows.once('close', () => client.release(failure));
      return rows;
    } catch (error: unknown) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  }

  /** The viewer's messages narrowed by the list filters; `list` and `stream` read the same set. */
  private filtered(viewer: MessageViewer, filters: MessageListFilters): SelectQueryBuilder<MessageEntity> {
    const qb = this.dataSource.getRepository(MessageEntity).createQueryBuilder('m');
    this.scope(qb, viewer);
    if (filters.subaccount) qb.andWhere('m.accountId = :subaccount', { subaccount: filters.subaccount });
    if (filters.direction) qb.andWhere('m.messageDirection = :direction', { direction: filters.direction });
    if (filters.state) qb.andWhere('m.messageState = :state', { state: filters.state });
    if (filters.type) qb.andWhere('m.messageType = :type', { type: filters.type });
    if (filters.errorCode) qb.andWhere('m.errorCode = :errorCode', { errorCode: filters.errorCode });
    if (filters.powerpackId) qb.andWhere('m.powerpackId = :powerpackId', { powerpackId: filters.powerpackId });
    if (filters.timeGt) qb.andWhere('m.messageTime > CAST(:timeGt AS timestamptz)', { timeGt: filters.timeGt });
    if (filters.timeGte) qb.andWhere('m.messageTime >= CAST(:timeGte AS timestamptz)', { timeGte: filters.timeGte });
    if (filters.timeLt) qb.andWhere('m.messageTime < CAST(:timeLt AS timestamptz)', { timeLt: filters.timeLt });
    if (filters.timeLte) qb.andWhere('m.messageTime <= CAST(:timeLte AS timestamptz)', { timeLte: filters.timeLte });
    return qb;
  }

  async media(messageUuid: string): Promise<MessageMediaEntity[]> {
    return this.dataSource.getRepository(MessageMediaEntity).find({ where: { messageUuid }, order: { position: 'ASC' } });
  }

  private scope(qb: SelectQueryBuilder<MessageEntity>, viewer: MessageViewer): void {
    if (viewer.isSubaccount) qb.andWhere('m.accountId = :viewer', { viewer: viewer.authId });
    else qb.andWhere('m.rootAccountId = :viewer', { viewer: viewer.authId });
  }
}
