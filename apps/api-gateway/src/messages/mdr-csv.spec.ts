import { LogMode, MessageDirection, MessageErrorCode, MessageState, MessageType, TextEncoding } from '@sluice/contracts';
import type { MessageEntity } from '@sluice/persistence';
import { parseCsv } from '@sluice/testing';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { csvField, csvRecord, MDR_COLUMNS, MdrCsvEncoder } from './mdr-csv';
import { toMessageView } from './message.view';

function message(overrides: Partial<MessageEntity> = {}): MessageEntity {
  const at = new Date('2024-05-01T10:00:00.123Z');
  return {
    messageUuid: '0f1e2d3c-4b5a-4678-9abc-def012345678',
    accountId: 'MAABCDEFGHIJKLMNOPQR',
    rootAccountId: 'MAABCDEFGHIJKLMNOPQR',
    powerpackId: null,
    destinationCountry: 'US',
    messageTime: at,
    messageDirection: MessageDirection.Outbound,
    messageState: MessageState.Delivered,
    messageType: MessageType.Sms,
    fromNumber: '14155550100',
    toNumber: '12025550123',
    text: 'hello',
    encoding: TextEncoding.Gsm7,
    logMode: LogMode.All,
    units: 1,
    totalRate: '0.00500',
    totalAmount: '0.00500',
    errorCode: MessageErrorCode.Ok,
    messageExpiry: 10800,
    callbackUrl: null,
    callbackMethod: 'POST',
    sequence: 3,
    carrierMessageId: null,
    mcc: '310',
    mnc: '260',
    queuedAt: at,
    sentAt: at,
    deliveryReportAt: null,
    updatedAt: at,
    ...overrides,
  } as MessageEntity;
}

async function encode(messages: MessageEntity[]): Promise<string> {
  const encoder = new MdrCsvEncoder();
  const chunks: Buffer[] = [];
  encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
  await pipeline(Readable.from(messages), encoder);
  return Buffer.concat(chunks).toString('utf8');
}

describe('MDR CSV', () => {
  it('has a column for every field of the message view', () => {
    expect([...MDR_COLUMNS].sort()).toEqual(Object.keys(toMessageView(message())).sort());
  });

  it('quotes only fields with commas, quotes or line breaks, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(null)).toBe('');
    expect(csvField(false)).toBe('false');
    expect(csvRecord(['a', 1, null])).toBe('a,1,\r\n');
  });

  it('writes a header and one record per message that a CSV reader reads back, redacted as the view is', async () => {
    const tricky = 'Hi, "Bob"\r\nline two, done';
    const text = await encode([message({ text: tricky }), message({ text: null, toNumber: '12025550***', logMode: LogMode.None, messageUuid: '1f1e2d3c-4b5a-4678-9abc-def012345678' })]);
    const [header, first, redacted, ...rest] = parseCsv(text);
    expect(rest).toEqual([]);
    expect(header).toEqual([...MDR_COLUMNS]);
    const column = (record: string[] | undefined, name: string) => record?.[MDR_COLUMNS.indexOf(name as (typeof MDR_COLUMNS)[number])];
    expect(column(first, 'text')).toBe(tricky);
    expect(column(first, 'message_time')).toBe('2024-05-01 10:00:00.123000+00:00');
    expect(column(first, 'log')).toBe('true');
    expect(column(first, 'destination_network')).toBe('');
    expect(column(redacted, 'text')).toBe('***Text Content Redacted***');
    expect(column(redacted, 'to_number')).toBe('12025550***');
    expect(column(redacted, 'log')).toBe('false');
  });

  it('writes only the header when nothing matches', async () => {
    expect(await encode([])).toBe(`${MDR_COLUMNS.join(',')}\r\n`);
  });

  it('hands on large exports in pieces, not one chunk per row nor one for all', async () => {
    const encoder = new MdrCsvEncoder();
    const sizes: number[] = [];
    encoder.on('data', (chunk: Buffer) => sizes.push(chunk.length));
    await pipeline(Readable.from(Array.from({ length: 5_000 }, () => message())), encoder);
    const rows = 5_000;
    expect(sizes.length).toBeGreaterThan(2);
    expect(sizes.length).toBeLessThan(rows / 10);
    expect(Math.max(...sizes)).toBeLessThan(128 * 1024);
  });
});
