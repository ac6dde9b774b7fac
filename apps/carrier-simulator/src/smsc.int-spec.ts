// Boots the whole app on loopback ports and talks real SMPP to it with the smpp package's client.
import { createHash } from 'node:crypto';
import { must } from '@sluice/contracts';
import * as smpp from 'smpp';
import { http, RunningSimulator, startSimulator } from '../test/simulator-app';
import { TestEsme } from '../test/smpp-test-client';
import type { Submission } from './submission.store';

const RECEIPT_LINE =
  /^id:([0-9a-f]{16}) sub:001 dlvrd:(\d{3}) submit date:(\d{10}) done date:(\d{10}) stat:(DELIVRD|UNDELIV) err:(\d{3}) text:$/;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('carrier-simulator over SMPP (delivered receipts)', () => {
  let running: RunningSimulator;
  const esmes: TestEsme[] = [];
  const connect = async () => {
    const esme = await TestEsme.connect(running.smppPort);
    esmes.push(esme);
    return esme;
  };

  beforeAll(async () => {
    running = await startSimulator();
  });

  afterEach(async () => {
    await Promise.all(esmes.splice(0).map((esme) => esme.destroy()));
    const reset = await fetch(`${running.baseUrl}/simulator/reset`, { method: 'POST' });
    expect(reset.status).toBe(204);
  });

  afterAll(async () => {
    await running.app.close();
  });

  it('is ready once SMPP listens', async () => {
    const { status, body } = await http<{ info: Record<string, { status: string }> }>(running.baseUrl, 'GET', '/health/ready');
    expect(status).toBe(200);
    expect(body.info['smpp']).toEqual({ status: 'up' });
  });

  it('accepts a submit_sm, answers with an id, sends the receipt and records the submission', async () => {
    const esme = await connect();
    const bound = await esme.bind('bind_transceiver');
    expect(bound.command_status).toBe(smpp.ESME_ROK);
    expect(bound.system_id).toBe('SLUICESIM');

    const before = Date.now();
    const resp = await esme.submit({
      source_addr: '12025550100',
      destination_addr: '+12015550123',
      registered_delivery: 1,
      short_message: 'Your code is 1234',
    });
    expect(resp.command_status).toBe(smpp.ESME_ROK);
    expect(resp.message_id).toMatch(/^[0-9a-f]{16}$/);

    const receipt = await esme.nextDeliverSm();
    expect(receipt.esm_class).toBe(0x04);
    expect(receipt.receipted_message_id).toBe(resp.message_id);
    expect(receipt.message_state).toBe(2);
    // The receipt travels back: from the handset to the sender.
    expect(receipt.source_addr).toBe('+12015550123');
    expect(receipt.destination_addr).toBe('12025550100');
    const text = (receipt.short_message as smpp.DecodedMessage).message;
    const match = RECEIPT_LINE.exec(String(text));
    expect(must(match, 'a receipt text in the standard format').slice(1)).toEqual([resp.message_id, '001', expect.any(String), expect.any(String), 'DELIVRD', '000']);

    const list = await http<Submission[]>(running.baseUrl, 'GET', '/simulator/submissions');
    expect(list.status).toBe(200);
    expect(list.headers.get('x-total-count')).toBe('1');
    expect(list.body).toHaveLength(1);
    const [submission] = list.body;
    expect(submission).toEqual({
      seq: 1,
      receivedAt: expect.any(Number),
      carrierMessageId: resp.message_id,
      systemId: 'sluice',
      source: '12025550100',
      destination: '12015550123',
      carrier: 'att',
      mcc: '310',
      mnc: '410',
      dataCoding: 1,
      textSha256: sha256('Your code is 1234'),
      receipt: { status: 'DELIVRD', sentAt: expect.any(Number) },
    });
    expect(must(submission, 'the submission').receivedAt).toBeGreaterThanOrEqual(before);
    expect(JSON.stringify(list.body)).not.toContain('Your code');

    const byCarrier = await http(running.baseUrl, 'GET', '/simulator/submissions?carrier=att&destination=%2B12015550123');
    expect(byCarrier.body).toHaveLength(1);
    const otherCarrier = await http(running.baseUrl, 'GET', '/simulator/submissions?carrier=verizon');
    expect(otherCarrier.body).toEqual([]);

    const count = await http(running.baseUrl, 'GET', '/simulator/submissions/count?windowMs=1000&carrier=att');
    expect(count.body).toEqual({ total: 1, maxInWindow: 1 });

    const metrics = await (await fetch(`${running.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/sluice_simulator_submissions_total\{carrier="att",service="carrier-simulator"\} 1/);
    expect(metrics).toMatch(/sluice_simulator_receipts_total\{status="DELIVRD",service="carrier-simulator"\} 1/);
    expect(metrics).toMatch(/sluice_simulator_binds_active\{mode="transceiver",service="carrier-simulator"\} 1/);
  });

  it('refuses a wrong password with ESME_RBINDFAIL and closes the connection', async () => {
    const esme = await connect();
    const resp = await esme.bind('bind_transceiver', 'sluice', 'wrong');
    expect(resp.command_status).toBe(smpp.ESME_RBINDFAIL);
    await esme.closed();
  });

  it('refuses a wrong system_id, a submit before bind and a second bind', async () => {
    const stranger = await connect();
    expect((await stranger.bind('bind_transmitter', 'someone', 'sluice')).command_status).toBe(smpp.ESME_RBINDFAIL);

    const esme = await connect();
    expect((await esme.request('enquire_link')).command_status).toBe(smpp.ESME_ROK);
    const early = await esme.submit({ destination_addr: '12015550100', short_message: 'x' });
    expect(early.command_status).toBe(smpp.ESME_RINVBNDSTS);
    expect((await esme.bind('bind_transmitter')).command_status).toBe(smpp.ESME_ROK);
    expect((await esme.bind('bind_transceiver')).command_status).toBe(smpp.ESME_RALYBND);
    expect((await esme.request('query_sm', { message_id: 'x' })).command_status).toBe(smpp.ESME_RINVCMDID);

    const receiverOnly = await connect();
    await receiverOnly.bind('bind_receiver');
    expect((await receiverOnly.submit({ destination_addr: '12015550100', short_message: 'x' })).command_status).toBe(
      smpp.ESME_RINVBNDSTS,
    );
    expect((await http(running.baseUrl, 'GET', '/simulator/submissions/count')).body).toEqual({ total: 0, maxInWindow: 0 });
  });

  it('answers unbind and closes', async () => {
    const esme = await connect();
    await esme.bind();
    expect((await esme.request('unbind')).command_status).toBe(smpp.ESME_ROK);
    await esme.closed();
  });

  it('counts a burst per carrier and the busiest window', async () => {
    const esme = await connect();
    await esme.bind();
    const destinations = ['12125550001', '16465550002', '12125550003', '14165550004', '13035550005'];
    const resps = await Promise.all(
      destinations.map((destination_addr, i) => esme.submit({ source_addr: '18005550100', destination_addr, short_message: `m${i}` })),
    );
    expect(new Set(resps.map((r) => r.message_id)).size).toBe(5);

    const verizon = await http(running.baseUrl, 'GET', '/simulator/submissions/count?carrier=verizon&windowMs=60000');
    expect(verizon.body).toEqual({ total: 3, maxInWindow: 3 });
    const all = await http(running.baseUrl, 'GET', '/simulator/submissions/count?source=18005550100&windowMs=60000');
    expect(all.body).toEqual({ total: 5, maxInWindow: 5 });
    const list = await http<Submission[]>(running.baseUrl, 'GET', '/simulator/submissions?source=18005550100');
    expect(list.body.map((s) => s.carrier)).toEqual(
      expect.arrayContaining(['verizon', 'verizon', 'verizon', 'rogers', 'tmobile']),
    );
    expect(list.body.find((s) => s.carrier === 'rogers')).toEqual(expect.objectContaining({ mcc: '302', mnc: '720' }));
    // No receipt was asked for (registered_delivery 0).
    await sleep(100);
    expect(esme.pendingDeliveries).toBe(0);
  });

  it('reports resubmissions of the same message as duplicates, but not distinct parts', async () => {
    const esme = await connect();
    await esme.bind();
    const message = { source_addr: '12025550100', destination_addr: '14155550100', short_message: 'Same text' };
    await esme.submit(message);
    await esme.submit(message);
    const udh = (seq: number) => Buffer.from([0x05, 0x00, 0x03, 0x07, 0x02, seq]);
    await esme.submit({ ...message, short_message: { udh: udh(1), message: 'Part' } });
    await esme.submit({ ...message, short_message: { udh: udh(2), message: 'Part' } });

    const { body } = await http<{ groups: number; extraSubmissions: number; duplicates: Array<Record<string, unknown>> }>(
      running.baseUrl,
      'GET',
      '/simulator/duplicates',
    );
    expect(body.groups).toBe(1);
    expect(body.extraSubmissions).toBe(1);
    expect(body.duplicates[0]).toEqual(
      expect.objectContaining({ destination: '14155550100', textSha256: sha256('Same text'), count: 2 }),
    );
    const parts = await http<Submission[]>(running.baseUrl, 'GET', '/simulator/submissions?limit=10');
    expect(parts.body.filter((s) => s.parts).map((s) => s.parts)).toEqual([
      { ref: 7, total: 2, seq: 1 },
      { ref: 7, total: 2, seq: 2 },
    ]);
  });

  it('sends the receipt on another bound session when the original one is gone', async () => {
    const receiver = await connect();
    await receiver.bind('bind_receiver');
    const sender = await connect();
    await sender.bind('bind_transceiver');
    const resp = await sender.submit({ destination_addr: '12015550100', short_message: 'hi', registered_delivery: 1 });
    await sender.destroy();
    const receipt = await receiver.nextDeliverSm();
    expect(receipt.receipted_message_id).toBe(resp.message_id);
  });

  it('keeps a receipt until a receiver binds', async () => {
    const sender = await connect();
    await sender.bind('bind_transmitter');
    const resp = await sender.submit({ destination_addr: '12015550100', short_message: 'hi', registered_delivery: 1 });
    await sleep(100);
    const late = await connect();
    await late.bind('bind_transceiver');
    const receipt = await late.nextDeliverSm();
    expect(receipt.receipted_message_id).toBe(resp.message_id);
  });

  it('answers bad query values with 400 and a message naming the parameter', async () => {
    const cases: Array<[string, string]> = [
      ['/simulator/submissions?limit=abc', 'limit must be a whole number from 1 to 100000'],
      ['/simulator/submissions?limit=100001', 'limit must be a whole number from 1 to 100000'],
      ['/simulator/submissions?carrier=sprint', 'carrier must be one of att, tmobile, verizon, rogers, unknown'],
      ['/simulator/submissions?since=soon', 'since must be epoch milliseconds or an ISO 8601 time (e.g. 2025-01-31T12:00:00Z)'],
      ['/simulator/submissions/count?windowMs=0', 'windowMs must be a positive whole number of milliseconds'],
      ['/simulator/submissions/count?windowMs=1&windowMs=2', 'windowMs must be given once'],
      ['/simulator/duplicates?limit=-1', 'limit must be a whole number from 1 to 100000'],
    ];
    for (const [path, error] of cases) {
      const response = await http(running.baseUrl, 'GET', path);
      expect({ path, status: response.status, body: response.body }).toEqual({ path, status: 400, body: { error } });
    }
  });
});

describe('carrier-simulator with latency and undelivered receipts', () => {
  let running: RunningSimulator;
  let closed = false;

  beforeAll(async () => {
    running = await startSimulator({ SUBMIT_LATENCY_MS: '150', RECEIPT_OUTCOME: 'undelivered', RECEIPT_DELAY_MS: '0' });
  });

  afterAll(async () => {
    if (!closed) await running.app.close();
  });

  it('waits SUBMIT_LATENCY_MS before answering and reports UNDELIV with message_state 5', async () => {
    const esme = await TestEsme.connect(running.smppPort);
    await esme.bind();
    const started = Date.now();
    const resp = await esme.submit({ destination_addr: '16045550100', short_message: 'Привет', registered_delivery: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const receipt = await esme.nextDeliverSm();
    expect(receipt.message_state).toBe(5);
    const match = RECEIPT_LINE.exec(String((receipt.short_message as smpp.DecodedMessage).message));
    expect(match?.slice(1)).toEqual([resp.message_id, '000', expect.any(String), expect.any(String), 'UNDELIV', '001']);

    const { body } = await http<Submission[]>(running.baseUrl, 'GET', '/simulator/submissions');
    expect(body[0]).toEqual(
      expect.objectContaining({
        carrier: 'rogers',
        dataCoding: 8,
        textSha256: sha256('Привет'),
        receipt: expect.objectContaining({ status: 'UNDELIV' }),
      }),
    );

    // registered_delivery 2 (failure only) still gets the UNDELIV receipt.
    await esme.submit({ destination_addr: '16045550100', short_message: 'again', registered_delivery: 2 });
    expect((await esme.nextDeliverSm()).message_state).toBe(5);

    // On shutdown the SMSC unbinds its ESMEs and closes the connections.
    await running.app.close();
    closed = true;
    await esme.closed();
    expect(esme.unbindReceived).toBe(true);
  });
});
