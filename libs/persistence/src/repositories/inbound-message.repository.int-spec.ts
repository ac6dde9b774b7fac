import { MessageIntent, MessageType, SmsInboundPayload, TextEncoding, Topic } from '@sluice/contracts';
import { openContent, sealContent } from '@sluice/domain';
import { testInfrastructure, testNumber } from '@sluice/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { AccountRepository } from './account.repository';
import { InboundMessageRepository, InboundMessageRow, InboundPartRow, OptOutAction, StoredInbound } from './inbound-message.repository';

describe('InboundMessageRepository (real Postgres)', () => {
  let dataSource: DataSource;
  const repository = new InboundMessageRepository();
  const accounts = () => new AccountRepository(dataSource);

  beforeAll(async () => {
    dataSource = await createDataSource({ url: testInfrastructure().databaseUrl, poolSize: 6 }).initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  async function ownedNumber(options: { country?: 'US' | 'CA'; logIncoming?: boolean; parent?: string } = {}): Promise<{ number: string; accountId: string; appId: string | null }> {
    const { authId } = await accounts().create({ name: 'inbound-test', ...(options.parent ? { parentAuthId: options.parent } : {}) });
    const number = options.country === 'CA' ? testNumber('416') : testNumber('415');
    let appId: string | null = null;
    if (options.logIncoming !== undefined) {
      appId = randomUUID().replace(/-/g, '').slice(0, 20);
      await dataSource.query(`INSERT INTO applications (app_id, account_id, app_name, message_url, log_incoming_messages) VALUES ($1, $2, 'test app', 'https://example.com/mo', $3)`, [
        appId,
        authId,
        options.logIncoming,
      ]);
    }
    await dataSource.query(`INSERT INTO phone_numbers (number, account_id, country, number_type, app_id) VALUES ($1, $2, $3, 'long_code', $4)`, [
      number,
      authId,
      options.country ?? 'US',
      appId,
    ]);
    return { number, accountId: authId, appId };
  }

  function message(to: string, text: string, overrides: Partial<InboundMessageRow> = {}): InboundMessageRow {
    const sealing = sealContent({ text, mediaUrls: [] });
    return {
      messageUuid: randomUUID(),
      fromNumber: testNumber('202'),
      toNumber: to,
      messageType: MessageType.Sms,
      text,
      sealedContent: sealing.sealed,
      contentKey: sealing.key,
      encoding: TextEncoding.Gsm7,
      units: 1,
      intent: null,
      optOutAction: null,
      receivedAt: new Date(),
      ...overrides,
    };
  }

  const store = (rows: InboundMessageRow[]) => dataSource.transaction((manager) => repository.store(manager, rows));
  const join = (parts: InboundPartRow[]) => dataSource.transaction((manager) => repository.joinParts(manager, parts));

  async function outboxPayload(stored: StoredInbound | undefined): Promise<SmsInboundPayload & { [key: string]: unknown }> {
    expect(stored?.outboxId).toEqual(expect.any(String));
    const [row] = await dataSource.query(`SELECT topic, record_key, payload FROM outbox WHERE id = $1`, [stored?.outboxId]);
    expect(row).toMatchObject({ topic: Topic.SmsInbound });
    return row.payload;
  }

  it('stores a message to an owned number as received, with its history and its sms.inbound event', async () => {
    const { number, accountId, appId } = await ownedNumber({ logIncoming: true });
    const row = message(number, 'Hello there', { units: 1, intent: null });
    const [stored] = await store([row]);
    expect(stored).toEqual({ messageUuid: row.messageUuid, outboxId: expect.any(String) });

    const [record] = await dataSource.query(
      `SELECT account_id, root_account_id, message_direction, message_state, message_type, from_number, to_number, text, encoding, log_mode,
              units, total_rate::text, total_amount::text, error_code, destination_country, content_key, message_intent, app_id, sequence
       FROM messages WHERE message_uuid = $1`,
      [row.messageUuid],
    );
    expect(record).toEqual({
      account_id: accountId,
      root_account_id: accountId,
      message_direction: 'inbound',
      message_state: 'received',
      message_type: 'sms',
      from_number: row.fromNumber,
      to_number: number,
      text: 'Hello there',
      encoding: 'GSM',
      log_mode: 'true',
      units: 1,
      total_rate: '0.00000',
      total_amount: '0.00000',
      error_code: '000',
      destination_country: 'US',
      content_key: null,
      message_intent: null,
      app_id: appId,
      sequence: 1,
    });
    expect(await dataSource.query(`SELECT sequence, state, error_code FROM status_events WHERE message_uuid = $1`, [row.messageUuid])).toEqual([
      { sequence: 1, state: 'received', error_code: '000' },
    ]);
    expect(await outboxPayload(stored)).toEqual({
      messageUuid: row.messageUuid,
      accountId,
      appId,
      from: row.fromNumber,
      to: number,
      type: 'sms',
      text: 'Hello there',
      mediaUrls: [],
      units: 1,
      totalRate: '0.00000',
      totalAmount: '0.00000',
      intent: null,
      powerpackUuid: null,
      receivedAt: row.receivedAt.getTime(),
    });
  });

  it('keeps neither the text nor the whole sender when the Application does not log incoming messages', async () => {
    const { number } = await ownedNumber({ logIncoming: false });
    const row = message(number, 'a secret');
    const [stored] = await store([row]);
    const [record] = await dataSource.query(`SELECT from_number, text, log_mode, content_key FROM messages WHERE message_uuid = $1`, [row.messageUuid]);
    expect(record).toEqual({ from_number: `${row.fromNumber.slice(0, -3)}***`, text: null, log_mode: 'false', content_key: row.contentKey });
    const payload = await outboxPayload(stored);
    expect(payload.text).toBe('');
    expect(JSON.stringify(payload)).not.toContain('a secret');
    // Readable while the key is on the record; the guarded transition out of `received` erases it.
    expect(openContent(payload.sealedContent ?? '', record.content_key)).toEqual({ text: 'a secret', mediaUrls: [] });
  });

  it("prices a message at the rate card's inbound price for the number's country", async () => {
    await dataSource.query(`UPDATE rate_cards SET rate_per_unit = 0.00250 WHERE country = 'CA' AND message_type = 'sms' AND direction = 'inbound'`);
    try {
      const { number } = await ownedNumber({ country: 'CA' });
      const row = message(number, 'x'.repeat(200), { units: 2 });
      const [stored] = await store([row]);
      expect((await dataSource.query(`SELECT total_rate::text, total_amount::text FROM messages WHERE message_uuid = $1`, [row.messageUuid]))[0]).toEqual({
        total_rate: '0.00250',
        total_amount: '0.00500',
      });
      expect(await outboxPayload(stored)).toMatchObject({ units: 2, totalRate: '0.00250', totalAmount: '0.00500' });
    } finally {
      await dataSource.query(`UPDATE rate_cards SET rate_per_unit = 0 WHERE country = 'CA' AND message_type = 'sms' AND direction = 'inbound'`);
    }
  });

  it('keeps a message to a number nobody owns as unassigned: numbers and time, no record, no event', async () => {
    const to = testNumber('415');
    const row = message(to, 'who is this?');
    const [stored] = await store([row]);
    expect(stored).toEqual({ messageUuid: row.messageUuid, outboxId: null });
    expect(await dataSource.query(`SELECT 1 FROM messages WHERE message_uuid = $1`, [row.messageUuid])).toEqual([]);
    expect(await dataSource.query(`SELECT from_number, to_number, units FROM unassigned_inbound WHERE to_number = $1`, [to])).toEqual([
      { from_number: row.fromNumber, to_number: to, units: 1 },
    ]);
  });

  it("keeps STOP / START on the opt-out list of the number owner's main account", async () => {
    const { authId: parent } = await accounts().create({ name: 'inbound-parent' });
    const { number } = await ownedNumber({ parent });
    const mobile = testNumber('202');
    const keyword = (text: string, intent: MessageIntent, action: OptOutAction) => message(number, text, { fromNumber: mobile, intent, optOutAction: action });
    const list = () => dataSource.query(`SELECT root_account_id, sender, recipient, source FROM opt_outs WHERE recipient = $1`, [mobile]);

    const stop = keyword('STOP', MessageIntent.OptOut, 'add');
    await store([stop]);
    expect(await list()).toEqual([{ root_account_id: parent, sender: number, recipient: mobile, source: 'keyword' }]);
    expect((await dataSource.query(`SELECT message_intent FROM messages WHERE message_uuid = $1`, [stop.messageUuid]))[0]).toEqual({ message_intent: 'optout' });
    // Sent again: nothing changes.
    await store([keyword('stop', MessageIntent.OptOut, 'add')]);
    expect(await list()).toHaveLength(1);
    await store([keyword('START', MessageIntent.OptIn, 'remove')]);
    expect(await list()).toEqual([]);
  });

  describe('parts', () => {
    const mobile = () => testNumber('202');
    function part(from: string, to: string, seq: number, text: string, overrides: Partial<InboundPartRow> = {}): InboundPartRow {
      return { fromNumber: from, toNumber: to, reference: 42, total: 3, seq, dataCoding: 0, content: Buffer.from(text, 'latin1'), receivedAt: new Date(), ...overrides };
    }
    const pending = (from: string) => dataSource.query(`SELECT seq FROM inbound_parts WHERE from_number = $1 ORDER BY seq`, [from]);

    it('keeps parts in any order until the last one, which takes them all, in sequence order', async () => {
      const from = mobile();
      const to = testNumber('415');
      expect(await join([part(from, to, 3, 'three')])).toEqual([]);
      expect(await join([part(from, to, 1, 'one ')])).toEqual([]);
      // The same part sent again changes nothing.
      expect(await join([part(from, to, 1, 'one again ')])).toEqual([]);
      expect(await pending(from)).toEqual([{ seq: 1 }, { seq: 3 }]);
      const [joined] = await join([part(from, to, 2, 'two ')]);
      expect(joined).toMatchObject({ fromNumber: from, toNumber: to, reference: 42, total: 3 });
      expect(joined?.parts.map((p) => [p.seq, p.content.toString('latin1')])).toEqual([
        [1, 'one '],
        [2, 'two '],
        [3, 'three'],
      ]);
      expect(await pending(from)).toEqual([]);
    });

    it('completes a message whose parts all come in one batch, and keeps groups apart by reference and total', async () => {
      const from = mobile();
      const to = testNumber('415');
      const joined = await join([part(from, to, 2, 'b'), part(from, to, 1, 'a', { reference: 43 }), part(from, to, 1, 'a'), part(from, to, 3, 'c'), part(from, to, 1, 'x', { total: 2 })]);
      expect(joined).toHaveLength(1);
      expect(joined[0].parts.map((p) => p.content.toString('latin1')).join('')).toBe('abc');
      expect(await pending(from)).toEqual([{ seq: 1 }, { seq: 1 }]);
    });

    it('assembles a message once when its last parts reach different dispatchers at the same moment', async () => {
      const from = mobile();
      const to = testNumber('415');
      await join([part(from, to, 1, 'one ')]);
      const results = await Promise.all([join([part(from, to, 2, 'two ')]), join([part(from, to, 3, 'three')])]);
      const all = results.flat();
      expect(all).toHaveLength(1);
      expect(all[0].parts.map((p) => p.seq)).toEqual([1, 2, 3]);
      expect(await pending(from)).toEqual([]);
    });

    it('gives up waiting after the timeout and hands over the parts that came', async () => {
      const from = mobile();
      const to = testNumber('415');
      const old = new Date(Date.now() - 10 * 60_000);
      await join([part(from, to, 3, 'three', { receivedAt: old }), part(from, to, 1, 'one ', { receivedAt: new Date(old.getTime() + 1000) })]);
      const fresh = mobile();
      await join([part(fresh, to, 1, 'fresh')]);
      const timedOut = await dataSource.transaction((manager) => repository.takeTimedOut(manager, 5 * 60_000, 1000));
      const mine = timedOut.filter((j) => j.fromNumber === from || j.fromNumber === fresh);
      expect(mine).toHaveLength(1);
      expect(mine[0].parts.map((p) => p.seq)).toEqual([1, 3]);
      expect(mine[0].receivedAt).toEqual(new Date(old.getTime() + 1000));
      expect(await pending(from)).toEqual([]);
      expect(await pending(fresh)).toEqual([{ seq: 1 }]);
    });

    it('keeps bytes exactly (a part is decoded only once its message is whole)', async () => {
      const from = mobile();
      const to = testNumber('415');
      const bytes = randomBytes(20);
      await join([part(from, to, 1, '', { total: 2, content: bytes, dataCoding: 8 })]);
      const [joined] = await join([part(from, to, 2, '', { total: 2, content: Buffer.from([0x00, 0x41]), dataCoding: 8 })]);
      expect(joined?.parts[0]).toEqual({ seq: 1, dataCoding: 8, content: bytes });
    });
  });
});
