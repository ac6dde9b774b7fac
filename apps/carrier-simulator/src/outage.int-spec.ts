// A simulated outage over real SMPP: bound sessions are closed, binds are refused until the
// deadline or until the outage is switched off, and receipts owed wait for the next bind.
import * as smpp from 'smpp';
import { http, RunningSimulator, startSimulator } from '../test/simulator-app';
import { TestEsme } from '../test/smpp-test-client';
import type { OutageState } from './outage';

describe('carrier-simulator outage', () => {
  let running: RunningSimulator;
  const esmes: TestEsme[] = [];
  const connect = async () => {
    const esme = await TestEsme.connect(running.smppPort);
    esmes.push(esme);
    return esme;
  };

  beforeAll(async () => {
    // Receipts follow their submission by 300 ms, so one can fall due during an outage.
    running = await startSimulator({ RECEIPT_DELAY_MS: '300' });
  });

  afterEach(async () => {
    expect((await http(running.baseUrl, 'DELETE', '/simulator/outage')).status).toBe(200);
    await Promise.all(esmes.splice(0).map((esme) => esme.destroy()));
  });

  afterAll(async () => {
    await running.app.close();
  });

  it('closes every bound session, refuses binds while it lasts, and takes binds again once switched off', async () => {
    const esme = await connect();
    expect((await esme.bind('bind_transceiver')).command_status).toBe(smpp.ESME_ROK);

    const before = Date.now();
    const started = await http<OutageState & { dropped: number }>(running.baseUrl, 'POST', '/simulator/outage', { seconds: 60 });
    expect(started.status).toBe(200);
    expect(started.body).toEqual({ active: true, until: expect.any(Number), dropped: 1 });
    expect((started.body.until ?? 0) - before).toBeGreaterThanOrEqual(60_000);
    await esme.closed();
    expect(esme.unbindReceived).toBe(false);

    const refused = await connect();
    expect((await refused.bind('bind_transceiver')).command_status).toBe(smpp.ESME_RBINDFAIL);
    await refused.closed();
    expect((await http<OutageState>(running.baseUrl, 'GET', '/simulator/outage')).body).toEqual({ active: true, until: started.body.until });
    // The witness stays readable: only the SMPP side is gone.
    expect((await http(running.baseUrl, 'GET', '/simulator/submissions')).status).toBe(200);

    expect((await http<OutageState>(running.baseUrl, 'DELETE', '/simulator/outage')).body).toEqual({ active: false, until: null });
    const back = await connect();
    expect((await back.bind('bind_transceiver')).command_status).toBe(smpp.ESME_ROK);
    expect((await back.submit({ destination_addr: '12015550100', short_message: 'x' })).command_status).toBe(smpp.ESME_ROK);
  });

  it('ends by itself at its deadline', async () => {
    const started = await http<OutageState>(running.baseUrl, 'POST', '/simulator/outage', { seconds: 0.3 });
    const early = await connect();
    expect((await early.bind('bind_transmitter')).command_status).toBe(smpp.ESME_RBINDFAIL);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, (started.body.until ?? 0) - Date.now()) + 20));
    expect((await http<OutageState>(running.baseUrl, 'GET', '/simulator/outage')).body).toEqual({ active: false, until: null });
    const later = await connect();
    expect((await later.bind('bind_transmitter')).command_status).toBe(smpp.ESME_ROK);
  });

  it('holds the receipts owed on the closed sessions until an ESME binds after the outage', async () => {
    const sender = await connect();
    expect((await sender.bind('bind_transceiver')).command_status).toBe(smpp.ESME_ROK);
    const resp = await sender.submit({ destination_addr: '12015550100', short_message: 'x', registered_delivery: 1 });
    expect((await http(running.baseUrl, 'POST', '/simulator/outage', { seconds: 60 })).body).toEqual(expect.objectContaining({ dropped: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sender.pendingDeliveries).toBe(0);
    await http(running.baseUrl, 'DELETE', '/simulator/outage');
    const receiver = await connect();
    expect((await receiver.bind('bind_receiver')).command_status).toBe(smpp.ESME_ROK);
    expect((await receiver.nextDeliverSm()).receipted_message_id).toBe(resp.message_id);
  });

  it('refuses a bad body with 400 naming the field', async () => {
    const missing = await http(running.baseUrl, 'POST', '/simulator/outage', {});
    expect(missing).toEqual(expect.objectContaining({ status: 400, body: { error: 'body.seconds is required (how long the carrier stays gone)' } }));
    const zero = await http(running.baseUrl, 'POST', '/simulator/outage', { seconds: 0 });
    expect(zero).toEqual(expect.objectContaining({ status: 400, body: { error: 'body.seconds must be more than 0' } }));
    const extra = await http(running.baseUrl, 'POST', '/simulator/outage', { seconds: 5, carrier: 'att' });
    expect(extra.status).toBe(400);
    expect((await http<OutageState>(running.baseUrl, 'GET', '/simulator/outage')).body).toEqual({ active: false, until: null });
  });
});
