// Three rate-governor replicas share one account's traffic; one is killed and another joins mid-run.
import { must } from '@sluice/contracts';
import { eventually, freePort, startApp, stopApp, testNumber, waitUntilReady } from '@sluice/testing';
import { connectTestDatabase, createTestAccount, registerTestNumber } from '@sluice/testing-data';
import type { DataSource } from 'typeorm';
import { Platform, startPlatform } from './platform';

describe('three governor replicas during a rebalance', () => {
  let platform: Platform;
  let dataSource: DataSource;

  beforeAll(async () => {
    [platform, dataSource] = await Promise.all([startPlatform({ governors: 3 }), connectTestDatabase()]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([platform?.stop(), dataSource?.destroy()]);
  });

  it('loses nothing, sends nothing twice and keeps the account within its MPS', async () => {
    const account = await createTestAccount(dataSource, { smsMps: 5 });
    const auth = `Basic ${Buffer.from(`${account.authId}:${account.authToken}`).toString('base64')}`;
    const src = testNumber('844');
    await registerTestNumber(dataSource, account.authId, src, { type: 'toll_free' });
    const send = async (count: number) => {
      const dst = Array.from({ length: count }, () => testNumber('212')).join('<');
      const response = await fetch(`${platform.gatewayUrl}/v1/Account/${account.authId}/Message/`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ src, dst, text: 'replicas' }),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { message_uuid: string[] }).message_uuid;
    };

    const uuids = [...(await send(20))];
    // Kill one governor outright (no graceful leave) and start a fresh one: the group rebalances twice.
    const victim = must(platform.apps.find((a) => a.name === 'rate-governor'), 'a rate-governor app');
    victim.process.kill('SIGKILL');
    uuids.push(...(await send(20)));
    const replacement = startApp('rate-governor', await freePort(), { ...platform.env, KAFKA_GROUP_ID: 'e2e-rate-governor' });
    platform.apps.push(replacement);
    await waitUntilReady(replacement);
    uuids.push(...(await send(20)));
    // Sixty messages at 5 MPS wait on the schedule for seconds: the backlog gauge shows the account.
    const backlogOf = async (): Promise<number | null> => {
      const text = await (await fetch(`http://127.0.0.1:${replacement.port}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`sluice_governor_backlog_messages{account="${account.authId}"`));
      return line ? Number(line.split(' ').pop()) : null;
    };
    const seen = await eventually(async () => ((await backlogOf()) ?? 0) > 0 || undefined, 30_000, 'a backlog for the account on /metrics');
    expect(seen).toBe(true);

    const counts = await eventually(
      async () => {
        const response = await fetch(`${platform.simulatorUrl}/simulator/submissions/count?windowMs=800&source=${src}`);
        const body = (await response.json()) as { total: number; maxInWindow: number };
        return body.total >= 60 ? body : undefined;
      },
      90_000,
      'sixty submissions at the carrier',
    );
    expect(counts.total).toBe(60);
    // A window 200 ms shorter than the quota's absorbs dispatch jitter; the quota is 5 per second.
    expect(counts.maxInWindow).toBeLessThanOrEqual(5);
    const duplicates = (await (await fetch(`${platform.simulatorUrl}/simulator/duplicates`)).json()) as { extraSubmissions: number };
    expect(duplicates.extraSubmissions).toBe(0);
    // The carrier has them all; each reaches delivered once its receipt is in.
    await eventually(
      async () => {
        const rows: Array<{ n: number }> = await dataSource.query(
          `SELECT count(*)::int AS n FROM messages WHERE message_uuid = ANY($1::uuid[]) AND message_state = 'delivered'`,
          [uuids],
        );
        return must(rows[0], 'the count row').n === 60 ? true : undefined;
      },
      30_000,
      'all sixty delivered',
    );
    expect(await backlogOf()).toBeNull();
    await stopApp(replacement);
  }, 240_000);
});
