// carrier-dispatch against the simulator: concatenated parts, expiry of a backlog, and a crash mid-window.
import { must } from '@sluice/contracts';
import { eventually, freePort, RunningApp, startApp, stopApp, testNumber, waitUntilReady } from '@sluice/testing';
import { connectTestDatabase, createTestAccount, registerTestNumber } from '@sluice/testing-data';
import type { DataSource } from 'typeorm';
import { Platform, startPlatform } from './platform';

interface Submission {
  readonly destination: string;
  readonly parts?: { readonly ref: number; readonly total: number; readonly seq: number };
}

describe('carrier-dispatch', () => {
  let platform: Platform;
  let dataSource: DataSource;

  beforeAll(async () => {
    [platform, dataSource] = await Promise.all([startPlatform({ dispatchEnv: { SCHEDULE_LEASE_MS: '2000', SMPP_WINDOW: '20' } }), connectTestDatabase()]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([platform?.stop(), dataSource?.destroy()]);
  });

  async function account(smsMps: number) {
    const created = await createTestAccount(dataSource, { smsMps });
    const src = testNumber('888');
    await registerTestNumber(dataSource, created.authId, src, { type: 'short_code' });
    const send = async (body: Record<string, unknown>) => {
      const response = await fetch(`${platform.gatewayUrl}/v1/Account/${created.authId}/Message/`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${created.authId}:${created.authToken}`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ src, ...body }),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { message_uuid: string[] }).message_uuid;
    };
    return { src, send };
  }

  const submissionsTo = async (destination: string): Promise<Submission[]> =>
    (await (await fetch(`${platform.simulatorUrl}/simulator/submissions?destination=${destination}`)).json()) as Submission[];

  async function finalStates(uuids: readonly string[], timeoutMs: number) {
    return eventually(
      async () => {
        const rows: Array<{ message_uuid: string; message_state: string; error_code: string; total_amount: string }> = await dataSource.query(
          `SELECT message_uuid, message_state, error_code, total_amount FROM messages WHERE message_uuid = ANY($1::uuid[])`,
          [uuids],
        );
        return rows.length === uuids.length && rows.every((r) => ['delivered', 'undelivered', 'failed'].includes(r.message_state)) ? rows : undefined;
      },
      timeoutMs,
      'every message in a final state',
    );
  }

  it('sends a two-unit text as two concatenated parts and delivers it once both are delivered', async () => {
    const { send } = await account(10);
    const dst = testNumber('202');
    const uuid = must((await send({ dst, text: 'x'.repeat(200) }))[0], 'the message uuid');
    const [row] = await finalStates([uuid], 30_000);
    expect(row).toMatchObject({ message_state: 'delivered', error_code: '000' });
    const parts = await submissionsTo(dst);
    expect(parts.map((p) => p.parts?.seq).sort()).toEqual([1, 2]);
    expect(new Set(parts.map((p) => p.parts?.ref)).size).toBe(1);
    expect(parts.every((p) => p.parts?.total === 2)).toBe(true);
  });

  it('fails what expired in the backlog while dispatch was down, and never submits it', async () => {
    const dispatch = must(platform.apps.find((a) => a.name === 'carrier-dispatch'), 'the carrier-dispatch app');
    await stopApp(dispatch);
    const { send } = await account(10);
    const dst = testNumber('202');
    const uuid = must((await send({ dst, text: 'too late', message_expiry: 5 }))[0], 'the message uuid');
    // Wait past the expiry with no dispatcher, then start one.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const restarted = startApp('carrier-dispatch', await freePort(), platform.dispatchEnv);
    platform.apps.push(restarted);
    await waitUntilReady(restarted);
    const row = must((await finalStates([uuid], 30_000))[0], 'the final state of the message');
    expect(row).toMatchObject({ message_state: 'failed', error_code: '420' });
    expect(Number(row.total_amount)).toBe(0);
    expect(await submissionsTo(dst)).toEqual([]);
  });

  it('sends a backlog claimed long after its slots at the full quota and no faster, with no hand-back to the governor', async () => {
    const running = platform.apps.filter((a) => a.name === 'carrier-dispatch' && a.process.exitCode === null && a.process.signalCode === null);
    await Promise.all(running.map((a) => stopApp(a)));
    const { src, send } = await account(5);
    const uuids = await send({ dst: Array.from({ length: 20 }, () => testNumber('720')).join('<'), text: 'late backlog' });
    // Every slot (five per second over four seconds) passes with no dispatcher.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const restarted = startApp('carrier-dispatch', await freePort(), platform.dispatchEnv);
    platform.apps.push(restarted);
    await waitUntilReady(restarted);
    const rows = await finalStates(uuids, 60_000);
    expect(rows.filter((r) => r.message_state !== 'delivered')).toEqual([]);
    const count = (await (await fetch(`${platform.simulatorUrl}/simulator/submissions/count?windowMs=1000&source=${src}`)).json()) as {
      total: number;
      maxInWindow: number;
    };
    expect(count).toEqual({ total: 20, maxInWindow: 5 });
    // Each outcome is counted once its write returns, which may be just after the message's final state is visible.
    const metrics = await eventually(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${restarted.port}/metrics`)).text();
        return dispatchOutcome(text, 'sent') >= 20 ? text : undefined;
      },
      10_000,
      'twenty sends counted',
    );
    const outcome = (name: string) => dispatchOutcome(metrics, name);
    expect(outcome('late')).toBe(0);
    expect(outcome('sent')).toBe(20);
    // Fifteen were refused at least once and waited on the schedule, not in Kafka.
    expect(outcome('admission_deferred')).toBeGreaterThanOrEqual(15);
  });

  it('after a kill -9 mid-window, every message reaches exactly one final state and duplicates stay within the window', async () => {
    const { src, send } = await account(100);
    const destinations = Array.from({ length: 40 }, () => testNumber('646'));
    const uuids = await send({ dst: destinations.join('<'), text: 'crash test' });
    const running = platform.apps.filter((a) => a.name === 'carrier-dispatch' && a.process.exitCode === null);
    for (const app of running) app.process.kill('SIGKILL');
    const replacement: RunningApp = startApp('carrier-dispatch', await freePort(), platform.dispatchEnv);
    platform.apps.push(replacement);
    await waitUntilReady(replacement);
    const rows = await finalStates(uuids, 60_000);
    expect(rows.filter((r) => r.message_state !== 'delivered')).toEqual([]);
    const history: Array<{ message_uuid: string; n: number }> = await dataSource.query(
      `SELECT message_uuid, count(*)::int AS n FROM status_events WHERE message_uuid = ANY($1::uuid[]) AND state = 'delivered' GROUP BY 1`,
      [uuids],
    );
    expect(history.every((h) => h.n === 1)).toBe(true);
    const counts = (await (await fetch(`${platform.simulatorUrl}/simulator/submissions/count?windowMs=1000&source=${src}`)).json()) as { total: number };
    expect(counts.total).toBeGreaterThanOrEqual(40);
    // A submit in flight when the process died may be sent again: at most one window's worth.
    expect(counts.total - 40).toBeLessThanOrEqual(20);
  });

  it('takes over what a dead dispatcher left between the carrier answer and its writes, submitting nothing twice', async () => {
    const running = platform.apps.filter((a) => a.name === 'carrier-dispatch' && a.process.exitCode === null);
    await Promise.all(running.map((app) => stopApp(app)));
    const { send } = await account(100);
    const whole = testNumber('202');
    const partial = testNumber('202');
    const wholeUuid = must((await send({ dst: whole, text: 'accepted, then the dispatcher died' }))[0], 'the message uuid');
    const partialUuid = must((await send({ dst: partial, text: 'y'.repeat(400) }))[0], 'the message uuid');
    const stranded = testNumber('202');
    const strandedUuid = must((await send({ dst: stranded, text: 'sent and receipted, never settled' }))[0], 'the message uuid');
    // What the dead dispatcher wrote: the carrier's ids of the parts it had submitted, and a
    // receipt that reached another dispatcher while the message was still queued.
    await dataSource.query(
      `INSERT INTO message_parts (message_uuid, part_seq, parts_total, carrier_message_id, submitted_at, receipt_state, receipt_error, receipt_at)
       VALUES ($1, 1, 1, $3, now(), 'delivered', '000', now()), ($2, 1, 3, $4, now(), 'delivered', '000', now())`,
      [wholeUuid, partialUuid, `dead-${wholeUuid}`, `dead-${partialUuid}`],
    );
    // Died after writing `sent` and storing the receipt, before applying it.
    await dataSource.query(
      `UPDATE messages SET message_state = 'sent', sent_at = now() - interval '10 seconds', carrier_message_id = $2 WHERE message_uuid = $1`,
      [strandedUuid, `dead-${strandedUuid}`],
    );
    await dataSource.query(
      `INSERT INTO message_parts (message_uuid, part_seq, parts_total, carrier_message_id, submitted_at, receipt_state, receipt_error, receipt_at)
       VALUES ($1, 1, 1, $2, now(), 'undelivered', '70', now())`,
      [strandedUuid, `dead-${strandedUuid}`],
    );
    const replacement = startApp('carrier-dispatch', await freePort(), platform.dispatchEnv);
    platform.apps.push(replacement);
    await waitUntilReady(replacement);
    const rows = await finalStates([wholeUuid, partialUuid, strandedUuid], 30_000);
    const stateOf = new Map(rows.map((r) => [r.message_uuid, `${r.message_state} ${r.error_code}`]));
    expect([wholeUuid, partialUuid, strandedUuid].map((u) => stateOf.get(u))).toEqual(['delivered 000', 'delivered 000', 'undelivered 70']);
    expect(await submissionsTo(stranded)).toEqual([]);
    const [whole1] = await dataSource.query(`SELECT carrier_message_id FROM messages WHERE message_uuid = $1`, [wholeUuid]);
    expect(whole1.carrier_message_id).toBe(`dead-${wholeUuid}`);
    expect(await submissionsTo(whole)).toEqual([]);
    // Only the missing parts went, joined to the first by the same reference.
    const parts = await submissionsTo(partial);
    expect(parts.map((p) => p.parts?.seq).sort()).toEqual([2, 3]);
    expect(parts.every((p) => p.parts?.ref === Number.parseInt(partialUuid.slice(-2), 16) && p.parts.total === 3)).toBe(true);
  });

  async function setProfile(carrier: string, profile: Record<string, unknown> | null): Promise<void> {
    const response = await fetch(`${platform.simulatorUrl}/simulator/profiles/${carrier}`, {
      method: profile ? 'PUT' : 'DELETE',
      ...(profile ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(profile) } : {}),
    });
    expect(response.status).toBeLessThan(300);
  }

  it('re-slots what the carrier throttles until every message is accepted and delivered', async () => {
    await setProfile('att', { throttle: [{ limit: 2, windowMs: 1_000, per: 'carrier' }] });
    try {
      const { src, send } = await account(100);
      const uuids = await send({ dst: Array.from({ length: 6 }, () => testNumber('201')).join('<'), text: 'throttled' });
      const rows = await finalStates(uuids, 60_000);
      expect(rows.filter((r) => r.message_state !== 'delivered')).toEqual([]);
      const count = async (status: string) =>
        ((await (await fetch(`${platform.simulatorUrl}/simulator/submissions/count?windowMs=1000&source=${src}&status=${status}`)).json()) as {
          total: number;
          maxInWindow: number;
        });
      expect((await count('throttled')).total).toBeGreaterThan(0);
      const accepted = await count('accepted');
      expect(accepted.total).toBe(6);
      expect(accepted.maxInWindow).toBeLessThanOrEqual(2);
    } finally {
      await setProfile('att', null);
    }
  });

  it('matches receipts that arrive before the submit_sm_resp', async () => {
    await setProfile('verizon', { receiptBeforeResponse: true });
    try {
      const { send } = await account(100);
      const uuids = await send({ dst: Array.from({ length: 3 }, () => testNumber('646')).join('<'), text: 'receipt first' });
      const rows = await finalStates(uuids, 30_000);
      expect(rows.map((r) => r.message_state)).toEqual(['delivered', 'delivered', 'delivered']);
    } finally {
      await setProfile('verizon', null);
    }
  });

  it('while the carrier refuses every bind, is not ready and claims nothing; once it is back, sends what waited', async () => {
    const dispatchers = platform.apps.filter((a) => a.name === 'carrier-dispatch' && a.process.exitCode === null && a.process.signalCode === null);
    const unavailable = async () => {
      const counts = await Promise.all(dispatchers.map(async (a) => dispatchOutcome(await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text(), 'unavailable')));
      return counts.reduce((sum, n) => sum + n, 0);
    };
    const outage = async (method: 'POST' | 'DELETE') => {
      const init = method === 'POST' ? { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 600 }) } : { method };
      expect((await fetch(`${platform.simulatorUrl}/simulator/outage`, init)).status).toBe(200);
    };
    const { send } = await account(100);
    let uuids: string[] = [];
    await outage('POST');
    try {
      await eventually(
        async () => ((await Promise.all(dispatchers.map(async (a) => (await fetch(`http://127.0.0.1:${a.port}/health/ready`)).status))).every((s) => s === 503) ? true : undefined),
        15_000,
        'every dispatcher not ready',
      );
      const before = await unavailable();
      uuids = await send({ dst: testNumber('204'), text: 'during the outage' });
      // Long enough for a job handed back as unavailable to come round several times (1 s apart).
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      expect(await unavailable()).toBe(before);
      const ready = await fetch(`http://127.0.0.1:${must(dispatchers[0], 'a dispatcher').port}/health/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toContain('no bind up');
    } finally {
      await outage('DELETE');
    }
    const rows = await finalStates(uuids, 30_000);
    expect(rows[0]).toMatchObject({ message_state: 'delivered' });
  });

  it('binds again after the carrier drops every connection, and delivers what comes next', async () => {
    const dropped = (await (await fetch(`${platform.simulatorUrl}/simulator/binds/drop`, { method: 'POST' })).json()) as { dropped: number };
    expect(dropped.dropped).toBeGreaterThan(0);
    const { send } = await account(100);
    const uuids = await send({ dst: testNumber('202'), text: 'after the drop' });
    const rows = await finalStates(uuids, 30_000);
    expect(rows[0]).toMatchObject({ message_state: 'delivered' });
  });

  it('sends each carrier its messages over its own SMSC route, and records the carrier MCC/MNC', async () => {
    // A second SMSC, for T-Mobile only.
    const tmoSmpp = await freePort();
    const tmoSimulator = startApp('carrier-simulator', await freePort(), { SMPP_PORT: String(tmoSmpp), SMPP_SYSTEM_ID: 'sluice-tmo', SMPP_PASSWORD: 'tmopass' });
    platform.apps.push(tmoSimulator);
    await waitUntilReady(tmoSimulator);
    const running = platform.apps.filter((a) => a.name === 'carrier-dispatch' && a.process.exitCode === null);
    await Promise.all(running.map((app) => stopApp(app)));
    const routed = startApp('carrier-dispatch', await freePort(), {
      ...platform.dispatchEnv,
      SMPP_ROUTES: JSON.stringify({ tmobile: { host: '127.0.0.1', port: tmoSmpp, systemId: 'sluice-tmo', password: 'tmopass', binds: 1 } }),
    });
    platform.apps.push(routed);
    await waitUntilReady(routed);
    try {
      const { send } = await account(100);
      const tmobile = testNumber('303');
      const att = testNumber('202');
      const tmobileUuid = must((await send({ dst: tmobile, text: 'to T-Mobile' }))[0], 'the message uuid');
      const attUuid = must((await send({ dst: att, text: 'to AT&T' }))[0], 'the message uuid');
      const rows = await finalStates([tmobileUuid, attUuid], 30_000);
      expect(rows.map((r) => r.message_state)).toEqual(['delivered', 'delivered']);
      const at = async (simulatorUrl: string, destination: string) =>
        ((await (await fetch(`${simulatorUrl}/simulator/submissions?destination=${destination}`)).json()) as unknown[]).length;
      const tmoUrl = `http://127.0.0.1:${tmoSimulator.port}`;
      expect([await at(tmoUrl, tmobile), await at(tmoUrl, att)]).toEqual([1, 0]);
      expect([await at(platform.simulatorUrl, tmobile), await at(platform.simulatorUrl, att)]).toEqual([0, 1]);
      const codes: Array<{ message_uuid: string; mcc: string; mnc: string }> = await dataSource.query(
        `SELECT message_uuid, mcc, mnc FROM messages WHERE message_uuid = ANY($1::uuid[])`,
        [[tmobileUuid, attUuid]],
      );
      const byUuid = new Map(codes.map((c) => [c.message_uuid, `${c.mcc}/${c.mnc}`]));
      expect([byUuid.get(tmobileUuid), byUuid.get(attUuid)]).toEqual(['310/260', '310/410']);
    } finally {
      await Promise.all([stopApp(routed), stopApp(tmoSimulator)]);
      await platform.startReplica('carrier-dispatch');
    }
  });
});

/** A dispatcher's `sluice_dispatch_outcomes_total` for one outcome, from its /metrics text. */
function dispatchOutcome(metrics: string, outcome: string): number {
  return Number(metrics.split('\n').find((l) => l.startsWith(`sluice_dispatch_outcomes_total{outcome="${outcome}"`))?.split(' ').pop() ?? 0);
}
