// Message rows as the gateway writes them at acceptance, for tests that insert messages directly.
// The shape is persistence's AcceptedMessageRow, built here without importing persistence so that
// persistence's own specs can use it too.
import { CallbackMethod, LogMode, MessageErrorCode, MessageState, MessageType, TextEncoding } from '@sluice/contracts';
import { randomUUID } from 'node:crypto';
import { testNumber } from './numbers';

function queuedSmsDefaults(accountId: string) {
  return {
    messageUuid: randomUUID(),
    accountId,
    rootAccountId: accountId,
    messageType: MessageType.Sms,
    fromNumber: testNumber('415'),
    toNumber: testNumber(),
    text: null,
    contentKey: null,
    encoding: TextEncoding.Gsm7,
    logMode: LogMode.None,
    units: 1,
    totalRate: '0.00500',
    totalAmount: '0.00500',
    state: MessageState.Queued,
    errorCode: MessageErrorCode.Ok,
    messageExpiry: 10_800,
    callbackUrl: null,
    callbackMethod: CallbackMethod.Post,
    powerpackId: null,
    destinationCountry: 'US',
    acceptedAt: new Date(),
  };
}

export type QueuedSmsRow<O extends object> = Omit<ReturnType<typeof queuedSmsDefaults>, keyof O> & O;

/**
 * A queued one-unit GSM-7 SMS of `accountId` accepted now (fresh uuid, test numbers, charged
 * 0.005, no callback, log=false), with `overrides` in place of any of those.
 */
export function queuedSmsRow<O extends object>(accountId: string, overrides: O): QueuedSmsRow<O> {
  return { ...queuedSmsDefaults(accountId), ...overrides };
}

/** Anything that runs SQL with parameters (a TypeORM DataSource or EntityManager, a pg Pool). */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * `count` delivered one-unit SMS of an account from `src` that reached the carrier at `sentAt`
 * (epoch ms), as carrier-dispatch records them: the record quota windows are rebuilt from.
 */
export async function recordDeliveredSends(db: SqlRunner, accountId: string, src: string, count: number, sentAt: number): Promise<void> {
  await db.query(
    `INSERT INTO messages (message_uuid, account_id, root_account_id, message_time, message_direction, message_state, message_type,
                           from_number, to_number, encoding, log_mode, units, total_rate, total_amount, error_code, message_expiry,
                           callback_method, sequence, queued_at, sent_at, updated_at)
     SELECT gen_random_uuid(), $1, $1, $3, 'outbound', 'delivered', 'sms', $2, '1202555' || lpad(g::text, 4, '0'), 'GSM', 'true', 1,
            0.005, 0.005, '000', 10800, 'POST', 3, $3, $3, $3
     FROM generate_series(1, $4::int) g`,
    [accountId, src, new Date(sentAt), count],
  );
}
