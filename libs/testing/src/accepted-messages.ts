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
