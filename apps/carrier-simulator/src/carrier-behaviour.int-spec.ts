// Carrier profiles over real SMPP: throttling, the error mix, receipt outcomes and receipt-before-response,
// dropping binds and mobile-originated messages, with the package's client on loopback.
import * as smpp from 'smpp';
import type { PDU, PduOptions } from 'smpp';
import { http, metricsText, RunningSimulator, startSimulator } from '../test/simulator-app';
import { TestEsme } from '../test/smpp-test-client';
import { pickError, unitDraw } from './outcome';
import type { ErrorShare } from './carrier-profiles';
import type { Submission } from './submission.store';

const SEED = 'integration-seed';

/** The value of one series, e.g. `sluice_simulator_throttled_total{carrier="att",per="carrier"` (0 when absent). */
async function metric(baseUrl: string, series: string): Promise<number> {
  const line = (await metricsText(baseUrl)).split('\n').find((l) => l.startsWith(series));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/**
 * Writes every submit_sm at once on one session (so they are read in this order), then an
 * enquire_link: once it is answered, every submit has been handled and, at zero latency,
 * answered unless the carrier chose silence. Unanswered ones stay `undefined`.
 */
async function submitInOrder(esme: TestEsme, messages: readonly PduOptions[]): Promise<Array<PDU | undefined>> {
  const answers: Array<PDU | undefined> = messages.map(() => undefined);
  messages.forEach((options, i) => {
    esme.session.send(new smpp.PDU('submit_sm', options), (resp) => {
      answers[i] = resp;
    });
  });
  await esme.request('enquire_link');
  return answers;
}

describe('carrier-simulator carrier profiles over SMPP', () => {
  let running: RunningSimulator;
  const esmes: TestEsme[] = [];
  const connect = async (bind?: string) => {
    const esme = await TestEsme.connect(running.smppPort);
    esmes.push(esme);
    if (bind) expect((await esme.bind(bind)).command_status).toBe(smpp.ESME_ROK);
    return esme;
  };
  const put = (carrier: string, profile: unknown) => http(running.baseUrl, 'PUT', `/simulator/profiles/${carrier}`, profile);
  const count = async (query: string) =>
    (await http<{ total: number; maxInWindow: number }>(running.baseUrl, 'GET', `/simulator/submissions/count?${query}`)).body;

  beforeAll(async () => {
    running = await startSimulator({ SIMULATOR_SEED: SEED });
  });

  afterEach(async () => {
    await Promise.all(esmes.splice(0).map((esme) => esme.destroy()));
    expect((await http(running.baseUrl, 'DELETE', '/simulator/profiles')).status).toBe(204);
    expect((await http(running.baseUrl, 'POST', '/simulator/reset')).status).toBe(204);
  });

  afterAll(async () => {
    await running.app.close();
  });

  describe('throughput policing', () => {
    it('answers the submission past the window ESME_RTHROTTLED and records it as throttled, not accepted', async () => {
      expect((await put('att', { throttle: [{ limit: 3, windowMs: 600_000 }] })).status).toBe(200);
      const esme = await connect('bind_transceiver');
      const resps = await Promise.all(
        [1, 2, 3, 4].map((i) => esme.submit({ source_addr: '12025550100', destination_addr: `1201555000${i}`, short_message: `m${i}` })),
      );
      expect(resps.map((r) => r.command_status)).toEqual([smpp.ESME_ROK, smpp.ESME_ROK, smpp.ESME_ROK, smpp.ESME_RTHROTTLED]);
      expect(smpp.ESME_RTHROTTLED).toBe(0x58);

      expect(await count('carrier=att&windowMs=600000')).toEqual({ total: 3, maxInWindow: 3 });
      expect(await count('carrier=att&status=throttled')).toEqual({ total: 1, maxInWindow: 1 });
      expect(await count('carrier=att&status=all&windowMs=600000')).toEqual({ total: 4, maxInWindow: 4 });
      const throttled = await http<Submission[]>(running.baseUrl, 'GET', '/simulator/submissions?status=throttled');
      expect(throttled.body).toEqual([
        expect.objectContaining({ destination: '12015550004', carrier: 'att', status: 'throttled', commandStatus: 0x58 }),
      ]);
      expect(await metric(running.baseUrl, 'sluice_simulator_throttled_total{carrier="att",per="carrier"')).toBe(1);

      // Other carriers are not policed by att's profile.
      const other = await Promise.all([1, 2, 3, 4, 5].map((i) => esme.submit({ destination_addr: `1212555000${i}`, short_message: 'x' })));
      expect(other.every((r) => r.command_status === smpp.ESME_ROK)).toBe(true);
    });

    it('polices per source address when the rule says so', async () => {
      await put('tmobile', { throttle: [{ limit: 1, windowMs: 600_000, per: 'source' }] });
      const esme = await connect('bind_transceiver');
      const resps = await Promise.all(
        ['18005550001', '18005550002', '18005550001'].map((source_addr) =>
          esme.submit({ source_addr, destination_addr: '13035550100', short_message: 'x' }),
        ),
      );
      expect(resps.map((r) => r.command_status)).toEqual([smpp.ESME_ROK, smpp.ESME_ROK, smpp.ESME_RTHROTTLED]);
      expect(await count('carrier=tmobile&source=18005550001&status=all')).toEqual({ total: 2, maxInWindow: 2 });
      expect(await metric(running.baseUrl, 'sluice_simulator_throttled_total{carrier="tmobile",per="source"')).toBe(1);
    });

    it('starts the window afresh on reset', async () => {
      await put('att', { throttle: [{ limit: 1, windowMs: 600_000 }] });
      const esme = await connect('bind_transceiver');
      expect((await esme.submit({ destination_addr: '12015550100', short_message: 'a' })).command_status).toBe(smpp.ESME_ROK);
      expect((await esme.submit({ destination_addr: '12015550100', short_message: 'b' })).command_status).toBe(smpp.ESME_RTHROTTLED);
      await http(running.baseUrl, 'POST', '/simulator/reset');
      expect((await esme.submit({ destination_addr: '12015550100', short_message: 'c' })).command_status).toBe(smpp.ESME_ROK);
    });
  });

  describe('error mix', () => {
    const errors: ErrorShare[] = [
      { status: 'ESME_RINVDSTADR', fraction: 0.2 },
      { status: 'ESME_RSYSERR', fraction: 0.2 },
      { status: 'ESME_RX_P_APPN', fraction: 0.2 },
      { status: 'NO_RESPONSE', fraction: 0.1 },
    ];
    const codes: Record<string, number | undefined> = {
      ESME_RINVDSTADR: smpp.ESME_RINVDSTADR,
      ESME_RSYSERR: smpp.ESME_RSYSERR,
      ESME_RX_P_APPN: smpp.ESME_RX_P_APPN,
      NO_RESPONSE: undefined,
    };
    /** What the seed says the k-th verizon submission gets: a command_status, or undefined for silence. */
    const expected = (n: number) =>
      Array.from({ length: n }, (_, i) => {
        const error = pickError(errors, unitDraw(SEED, 'verizon', i + 1, 'error'));
        return error ? codes[String(error.status)] : smpp.ESME_ROK;
      });

    it('answers each submission as the seed decides, counts each kind and records it with its status', async () => {
      expect((await put('verizon', { errors })).status).toBe(200);
      const esme = await connect('bind_transceiver');
      const messages = Array.from({ length: 40 }, (_, i) => ({ destination_addr: '12125550100', short_message: `n${i}` }));
      const statuses = (await submitInOrder(esme, messages)).map((resp) => resp?.command_status);
      expect(statuses).toEqual(expected(40));
      const tally = (code: number | undefined) => statuses.filter((s) => s === code).length;
      // The seed gives every kind at least once in 40 (else this test would prove less).
      for (const code of [smpp.ESME_ROK, smpp.ESME_RINVDSTADR, smpp.ESME_RSYSERR, smpp.ESME_RX_P_APPN, undefined]) {
        expect(tally(code)).toBeGreaterThan(0);
      }

      expect((await count('carrier=verizon')).total).toBe(tally(smpp.ESME_ROK));
      expect((await count('carrier=verizon&status=rejected')).total).toBe(
        tally(smpp.ESME_RINVDSTADR) + tally(smpp.ESME_RSYSERR) + tally(smpp.ESME_RX_P_APPN),
      );
      expect((await count('carrier=verizon&status=unanswered')).total).toBe(tally(undefined));
      expect((await count('carrier=verizon&status=all')).total).toBe(40);
      const rejected = await http<Submission[]>(running.baseUrl, 'GET', '/simulator/submissions?status=rejected&carrier=verizon');
      expect(rejected.body.map((s) => s.commandStatus)).toEqual(
        statuses.filter((s) => s !== smpp.ESME_ROK && s !== undefined),
      );
      expect(await metric(running.baseUrl, 'sluice_simulator_errors_total{carrier="verizon",status="ESME_RX_P_APPN"')).toBe(
        tally(smpp.ESME_RX_P_APPN),
      );
      expect(await metric(running.baseUrl, 'sluice_simulator_errors_total{carrier="verizon",status="NO_RESPONSE"')).toBe(
        tally(undefined),
      );

      // After a reset the same seed gives the same answers again.
      await http(running.baseUrl, 'POST', '/simulator/reset');
      expect((await submitInOrder(esme, messages)).map((resp) => resp?.command_status)).toEqual(statuses);
    });

    it('sends no response at all for NO_RESPONSE, and no receipt', async () => {
      await put('att', { errors: [{ status: 'NO_RESPONSE', fraction: 1 }] });
      const esme = await connect('bind_transceiver');
      const [answer] = await submitInOrder(esme, [{ destination_addr: '12015550100', short_message: 'x', registered_delivery: 1 }]);
      expect(answer).toBeUndefined();
      expect(esme.received).toEqual(['bind_transceiver_resp', 'enquire_link_resp']);
      const [record] = (await http<Submission[]>(running.baseUrl, 'GET', '/simulator/submissions?status=unanswered')).body;
      expect(record).toEqual(expect.objectContaining({ status: 'unanswered', carrier: 'att' }));
      expect(record).not.toHaveProperty('commandStatus');
      expect(record).not.toHaveProperty('receipt');
    });
  });

  describe('receipts', () => {
    it('sends the outcome and err the profile chose', async () => {
      await put('rogers', { receiptOutcomes: [{ stat: 'REJECTD', err: '069', fraction: 1 }], receiptDelayMs: 0 });
      const esme = await connect('bind_transceiver');
      const resp = await esme.submit({ destination_addr: '14165550100', short_message: 'x', registered_delivery: 1 });
      const receipt = await esme.nextDeliverSm();
      expect(receipt.receipted_message_id).toBe(resp.message_id);
      expect(receipt.message_state).toBe(8);
      expect(String((receipt.short_message as smpp.DecodedMessage).message)).toMatch(/ stat:REJECTD err:069 text:$/);
      const [record] = (await http<Submission[]>(running.baseUrl, 'GET', '/simulator/submissions?carrier=rogers')).body;
      expect(record?.receipt?.status).toBe('REJECTD');
    });

    it('sends the receipt before the submit_sm_resp on the same session when asked to', async () => {
      await put('att', { receiptBeforeResponse: true });
      const esme = await connect('bind_transceiver');
      const resp = await esme.submit({ destination_addr: '12015550100', short_message: 'x', registered_delivery: 1 });
      expect(resp.command_status).toBe(smpp.ESME_ROK);
      expect(esme.received).toEqual(['bind_transceiver_resp', 'deliver_sm', 'submit_sm_resp']);
      const receipt = await esme.nextDeliverSm();
      expect(receipt.receipted_message_id).toBe(resp.message_id);

      // Without a receipt asked for, the response comes as usual.
      const plain = await esme.submit({ destination_addr: '12015550100', short_message: 'y' });
      expect(plain.command_status).toBe(smpp.ESME_ROK);
      expect(esme.received.slice(3)).toEqual(['submit_sm_resp']);
    });

    it('answers the submit only once the receiver session has the receipt', async () => {
      await put('default', { receiptBeforeResponse: true });
      const receiver = await connect('bind_receiver');
      const transmitter = await connect('bind_transmitter');
      const resp = await transmitter.submit({ destination_addr: '16465550100', short_message: 'x', registered_delivery: 1 });
      // The deliver_sm was answered by the receiver before the response was written.
      expect(receiver.pendingDeliveries).toBe(1);
      expect((await receiver.nextDeliverSm()).receipted_message_id).toBe(resp.message_id);
    });

    it('answers at once when no session can take the receipt first (it is held until one binds)', async () => {
      await put('att', { receiptBeforeResponse: true });
      const transmitter = await connect('bind_transmitter');
      const resp = await transmitter.submit({ destination_addr: '12015550100', short_message: 'x', registered_delivery: 1 });
      expect(resp.command_status).toBe(smpp.ESME_ROK);
      const late = await connect('bind_receiver');
      expect((await late.nextDeliverSm()).receipted_message_id).toBe(resp.message_id);
    });
  });

  describe('dropping binds', () => {
    it('closes the sessions of a system_id, then every connection, and lets ESMEs bind again', async () => {
      const a = await connect('bind_transceiver');
      const b = await connect('bind_receiver');
      const unbound = await connect();
      const none = await http(running.baseUrl, 'POST', '/simulator/binds/drop', { systemId: 'nobody' });
      expect(none).toEqual(expect.objectContaining({ status: 200, body: { dropped: 0 } }));

      const bound = await http(running.baseUrl, 'POST', '/simulator/binds/drop', { systemId: 'sluice' });
      expect(bound.body).toEqual({ dropped: 2 });
      await Promise.all([a.closed(), b.closed()]);
      expect(a.unbindReceived).toBe(false);
      expect(await metric(running.baseUrl, 'sluice_simulator_binds_active{mode="transceiver"')).toBe(0);
      expect(await metric(running.baseUrl, 'sluice_simulator_binds_active{mode="receiver"')).toBe(0);
      expect((await unbound.request('enquire_link')).command_status).toBe(smpp.ESME_ROK);

      expect((await http(running.baseUrl, 'POST', '/simulator/binds/drop')).body).toEqual({ dropped: 1 });
      await unbound.closed();

      const again = await connect('bind_transceiver');
      expect((await again.submit({ destination_addr: '12015550100', short_message: 'x' })).command_status).toBe(smpp.ESME_ROK);
    });

    it('keeps the receipts of a dropped system until it binds again', async () => {
      await put('att', { receiptDelayMs: 0 });
      const sender = await connect('bind_transmitter');
      const resp = await sender.submit({ destination_addr: '12015550100', short_message: 'x', registered_delivery: 1 });
      expect((await http(running.baseUrl, 'POST', '/simulator/binds/drop')).body).toEqual({ dropped: 1 });
      const receiver = await connect('bind_receiver');
      expect((await receiver.nextDeliverSm()).receipted_message_id).toBe(resp.message_id);
    });

    it('refuses a bad body with 400 naming the field', async () => {
      const bad = await http(running.baseUrl, 'POST', '/simulator/binds/drop', { systemId: 7 });
      expect(bad).toEqual(expect.objectContaining({ status: 400, body: { error: 'body.systemId must be a string' } }));
    });
  });

  describe('mobile-originated messages', () => {
    const mo = (body: unknown) => http<{ id: string; systemId: string; error?: string }>(running.baseUrl, 'POST', '/simulator/mo', body);

    it('answers 409 while no receiver or transceiver is bound', async () => {
      expect(await mo({ source: '14155550100', destination: '12015550100', text: 'hi' })).toEqual(
        expect.objectContaining({ status: 409, body: { error: 'no receiver or transceiver session is bound' } }),
      );
      await connect('bind_transmitter');
      expect((await mo({ source: '14155550100', destination: '12015550100', text: 'hi' })).status).toBe(409);
    });

    it('sends a deliver_sm with esm_class 0 to a bound receiver', async () => {
      const receiver = await connect('bind_receiver');
      const sent = await mo({ source: '+1 415-555-0100', destination: '12015550100', text: 'STOP' });
      expect(sent.status).toBe(202);
      expect(sent.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), systemId: 'sluice', parts: 1 });
      const pdu = await receiver.nextDeliverSm();
      expect(pdu.esm_class).toBe(0);
      expect(pdu.source_addr).toBe('14155550100');
      expect(pdu.destination_addr).toBe('12015550100');
      expect(pdu.receipted_message_id).toBeUndefined();
      expect((pdu.short_message as smpp.DecodedMessage).message).toBe('STOP');
      expect(await metric(running.baseUrl, 'sluice_simulator_mo_total')).toBeGreaterThanOrEqual(1);

      await mo({ source: '14155550100', destination: '12015550100', text: 'Привет' });
      const ucs2 = await receiver.nextDeliverSm();
      expect(ucs2.data_coding).toBe(8);
      expect((ucs2.short_message as smpp.DecodedMessage).message).toBe('Привет');

      const long = 'Ш'.repeat(300);
      await mo({ source: '14155550100', destination: '12015550100', text: long });
      expect(((await receiver.nextDeliverSm()).message_payload as smpp.DecodedMessage).message).toBe(long);
    });

    it('sends the data coding asked for, and a text cut into concatenated parts in the order asked', async () => {
      const receiver = await connect('bind_receiver');
      await mo({ source: '14155550100', destination: '12015550100', text: 'Olá', dataCoding: 3 });
      const latin1 = await receiver.nextDeliverSm();
      expect(latin1.data_coding).toBe(3);
      expect((latin1.short_message as smpp.DecodedMessage).message).toBe('Olá');

      const sent = await mo({ source: '14155550100', destination: '12015550100', text: 'one two three', parts: 3, order: [3, 1, 2], reference: 200, dataCoding: 8 });
      expect(sent).toMatchObject({ status: 202, body: { parts: 3 } });
      const parts = [await receiver.nextDeliverSm(), await receiver.nextDeliverSm(), await receiver.nextDeliverSm()];
      expect(parts.map((p) => p.esm_class)).toEqual([0x40, 0x40, 0x40]);
      expect(parts.map((p) => (p.short_message as smpp.DecodedMessage).udh?.[0])).toEqual([
        Buffer.from([0x00, 0x03, 200, 3, 3]),
        Buffer.from([0x00, 0x03, 200, 3, 1]),
        Buffer.from([0x00, 0x03, 200, 3, 2]),
      ]);
      const text = (seq: number) => (parts.find((p) => (p.short_message as smpp.DecodedMessage).udh?.[0]?.[4] === seq)?.short_message as smpp.DecodedMessage | undefined)?.message;
      expect([1, 2, 3].map(text).join('')).toBe('one two three');

      await mo({ source: '14155550100', destination: '12015550100', text: 'STOP', parts: 2, concatenation: 'sar', reference: 7000 });
      const sar = [await receiver.nextDeliverSm(), await receiver.nextDeliverSm()];
      expect(sar.map((p) => [p.sar_msg_ref_num, p.sar_total_segments, p.sar_segment_seqnum])).toEqual([
        [7000, 2, 1],
        [7000, 2, 2],
      ]);
    });

    it('refuses a text the data coding cannot carry, and parts that do not fit', async () => {
      await connect('bind_receiver');
      expect((await mo({ source: '1', destination: '2', text: 'Привет', dataCoding: 0 })).body).toEqual({ error: 'body.text has characters outside GSM-7; choose dataCoding 8' });
      expect((await mo({ source: '1', destination: '2', text: 'abc', parts: 3, order: [1, 1, 2] })).body).toEqual({ error: 'body.order must list each part number from 1 to 3 once' });
      expect((await mo({ source: '1', destination: '2', text: 'ab', parts: 3 })).body).toEqual({ error: 'body.parts is more than the text has characters (2)' });
      expect((await mo({ source: '1', destination: '2', text: 'x', dataCoding: 4 })).body).toEqual({ error: 'body.dataCoding must be 0 (GSM-7), 3 (Latin-1) or 8 (UCS-2)' });
    });

    it('takes turns between bound sessions, and honours systemId', async () => {
      const first = await connect('bind_transceiver');
      const second = await connect('bind_receiver');
      for (let i = 0; i < 4; i += 1) expect((await mo({ source: '1', destination: '2', text: `t${i}` })).status).toBe(202);
      await Promise.all([first.nextDeliverSm(), first.nextDeliverSm(), second.nextDeliverSm(), second.nextDeliverSm()]);
      expect((await mo({ source: '1', destination: '2', text: 'x', systemId: 'other' })).body).toEqual({
        error: 'no receiver or transceiver session with system_id other is bound',
      });
      expect((await mo({ source: '1', destination: '2', text: 'x', systemId: 'sluice' })).status).toBe(202);
    });

    it('refuses a bad body with 400 naming the field', async () => {
      await connect('bind_receiver');
      expect(await mo({ source: '14155550100', destination: '12015550100' })).toEqual(
        expect.objectContaining({ status: 400, body: { error: 'body.text is required' } }),
      );
      expect((await mo({ source: '', destination: '12015550100', text: 'x', extra: 1 })).body).toEqual({
        error:
          'body.source must not be empty (the handset number, e.g. 12015550123); body.extra is not a known field (known: source, destination, text, systemId, dataCoding, parts, concatenation, reference, referenceBits, order, intervalMs)',
      });
    });
  });

  describe('profiles API', () => {
    it('shows the seed and every effective profile, and replaces and restores layers', async () => {
      const view = await http<{ seed: string; default: unknown; carriers: Record<string, unknown>; document: unknown }>(
        running.baseUrl,
        'GET',
        '/simulator/profiles',
      );
      expect(view.status).toBe(200);
      expect(view.body.seed).toBe(SEED);
      expect(Object.keys(view.body.carriers)).toEqual(['att', 'tmobile', 'verizon', 'rogers', 'unknown']);
      expect(view.body.document).toEqual({});

      const changed = await put('tmobile', { latencyMs: 5, errors: [{ status: 8, fraction: 0.5 }] });
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual(expect.objectContaining({ latencyMs: 5, errors: [{ status: 'ESME_RSYSERR', fraction: 0.5 }] }));
      const after = await http<{ document: unknown }>(running.baseUrl, 'GET', '/simulator/profiles');
      expect(after.body.document).toEqual({ carriers: { tmobile: { latencyMs: 5, errors: [{ status: 'ESME_RSYSERR', fraction: 0.5 }] } } });

      const restored = await http(running.baseUrl, 'DELETE', '/simulator/profiles/tmobile');
      expect(restored.body).toEqual(expect.objectContaining({ latencyMs: 0, errors: [] }));
    });

    it('refuses a bad profile with 400 naming the field, and an unknown carrier with 404', async () => {
      const bad = await put('att', { throttle: [{ limit: 0, windowMs: 1000 }], latency: 3 });
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({
        error:
          'body.throttle[0].limit must be a whole number from 1 to 1000000; body.latency is not a known field (known: latencyMs, latencyJitterMs, errors, receiptDelayMs, receiptJitterMs, receiptOutcomes, receiptBeforeResponse, throttle)',
      });
      const unknown = await put('sprint', {});
      expect(unknown).toEqual(
        expect.objectContaining({
          status: 404,
          body: { error: 'no profile named sprint (known: default, att, tmobile, verizon, rogers, unknown)' },
        }),
      );
    });
  });
});

describe('carrier-simulator with CARRIER_PROFILES at start-up', () => {
  let running: RunningSimulator;
  let esme: TestEsme | undefined;

  beforeAll(async () => {
    running = await startSimulator({
      SIMULATOR_SEED: SEED,
      CARRIER_PROFILES: JSON.stringify({
        default: { receiptOutcomes: [{ stat: 'EXPIRED', err: '004', fraction: 1 }], receiptDelayMs: 0 },
        carriers: { tmobile: { throttle: [{ limit: 1, windowMs: 600_000 }] } },
      }),
    });
  });

  afterAll(async () => {
    await esme?.destroy();
    await running.app.close();
  });

  it('applies the document: throttles T-Mobile past one and sends EXPIRED receipts', async () => {
    esme = await TestEsme.connect(running.smppPort);
    await esme.bind();
    const first = await esme.submit({ destination_addr: '14155550100', short_message: 'x', registered_delivery: 1 });
    const second = await esme.submit({ destination_addr: '14155550100', short_message: 'y', registered_delivery: 1 });
    expect([first.command_status, second.command_status]).toEqual([smpp.ESME_ROK, smpp.ESME_RTHROTTLED]);
    const receipt = await esme.nextDeliverSm();
    expect(receipt.receipted_message_id).toBe(first.message_id);
    expect(receipt.message_state).toBe(3);
    expect(String((receipt.short_message as smpp.DecodedMessage).message)).toContain('stat:EXPIRED err:004');
    // Only the accepted submission gets a receipt.
    await expect(esme.nextDeliverSm(300)).rejects.toThrow(/no deliver_sm within 300 ms/);

    const view = await http<{ document: unknown }>(running.baseUrl, 'GET', '/simulator/profiles');
    expect(view.body.document).toEqual({
      default: { receiptOutcomes: [{ stat: 'EXPIRED', err: '004', fraction: 1 }], receiptDelayMs: 0 },
      carriers: { tmobile: { throttle: [{ limit: 1, windowMs: 600_000, per: 'carrier' }] } },
    });
  });
});
