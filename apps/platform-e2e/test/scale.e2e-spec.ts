// The platform scaled out on one machine — 2 gateways, 3 governors, 2 dispatchers, 2 callback
// services — under steady traffic from several accounts, with one replica of each killed mid-run.
import { must } from '@sluice/contracts';
import { eventually, testNumber } from '@sluice/testing';
import { connectTestDatabase, createTestAccount, registerTestNumber } from '@sluice/testing-data';
import type { DataSource } from 'typeorm';
import { CallbackReceiver } from './callback-receiver';
import { Platform, startPlatform } from './platform';

const ACCOUNTS = 4;
const BATCHES = 6;
const PER_BATCH = 10;

describe('scaled out on one machine, losing one replica of each service', () => {
  let platform: Platform;
  let dataSource: DataSource;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;

  beforeAll(async () => {
    [platform, dataSource, callbackUrl] = await Promise.all([
      startPlatform({ replicas: { 'api-gateway': 2, 'rate-governor': 3, 'carrier-dispatch': 2, 'callback-service': 2 } }),
      connectTestDatabase(),
      receiver.start(),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([platform?.stop(), dataSource?.destroy(), receiver.stop()]);
  });

  it('loses nothing, sends nothing twice and keeps every account within its MPS', async () => {
    const accounts = await Promise.all(
      Array.from({ length: ACCOUNTS }, async () => {
        const account = await createTestAccount(dataSource, { smsMps: 5 });
        const src = testNumber('866');
        await registerTestNumber(dataSource, account.authId, src, { type: 'toll_free' });
        return { ...account, src };
      }),
    );
    const uuids: string[] = [];
    let sent = 0;
    const sendBatch = async () => {
      await Promise.all(
        accounts.map(async (account, i) => {
          // Alternate gateways, so a dead one is noticed by the client as a refused connection.
          const live = platform.apps.filter((a) => a.name === 'api-gateway' && a.process.exitCode === null && a.process.signalCode === null);
          const gateway = must(live[(sent + i) % live.length], 'a live gateway');
          const response = await fetch(`http://127.0.0.1:${gateway.port}/v1/Account/${account.authId}/Message/`, {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`${account.authId}:${account.authToken}`).toString('base64')}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({
              src: account.src,
              dst: Array.from({ length: PER_BATCH }, () => testNumber('212')).join('<'),
              text: 'scale',
              url: callbackUrl,
            }),
          });
          expect(response.status).toBe(202);
          uuids.push(...((await response.json()) as { message_uuid: string[] }).message_uuid);
        }),
      );
      sent += 1;
    };

    for (let batch = 0; batch < BATCHES; batch += 1) {
      if (batch === BATCHES / 2) {
        // One replica of each service dies without warning.
        const victims = ['api-gateway', 'rate-governor', 'carrier-dispatch', 'callback-service'].map(
          (name) => must(platform.apps.find((a) => a.name === name && a.process.exitCode === null && a.process.signalCode === null), `a running ${name}`),
        );
        for (const victim of victims) victim.process.kill('SIGKILL');
        await Promise.all(victims.map((victim) => victim.exited));
      }
      await sendBatch();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    const total = ACCOUNTS * BATCHES * PER_BATCH;
    expect(uuids).toHaveLength(total);
    await eventually(
      async () => {
        const rows: Array<{ n: number }> = await dataSource.query(
          `SELECT count(*)::int AS n FROM messages WHERE message_uuid = ANY($1::uuid[]) AND message_state = 'delivered'`,
          [uuids],
        );
        return must(rows[0], 'the count row').n === total ? true : undefined;
      },
      150_000,
      `all ${total} messages delivered`,
      async () => {
        const states: Array<{ message_state: string; n: number; sample: string }> = await dataSource.query(
          `SELECT message_state, count(*)::int AS n, min(message_uuid::text) AS sample
             FROM messages WHERE message_uuid = ANY($1::uuid[]) GROUP BY message_state`,
          [uuids],
        );
        // For a few messages not delivered: their parts and what the carrier recorded of them.
        const stuck: Array<{ message_uuid: string; to_number: string; message_state: string; sent_at: Date | null }> = await dataSource.query(
          `SELECT message_uuid, to_number, message_state, sent_at FROM messages
            WHERE message_uuid = ANY($1::uuid[]) AND message_state <> 'delivered' LIMIT 3`,
          [uuids],
        );
        const details = await Promise.all(
          stuck.map(async (m) => ({
            ...m,
            parts: await dataSource.query(`SELECT part_seq, carrier_message_id, submitted_at, receipt_state, receipt_at FROM message_parts WHERE message_uuid = $1`, [
              m.message_uuid,
            ]),
            atCarrier: await (await fetch(`${platform.simulatorUrl}/simulator/submissions?destination=${m.to_number}`)).json(),
          })),
        );
        return JSON.stringify({ states, details });
      },
    );
    const duplicates = (await (await fetch(`${platform.simulatorUrl}/simulator/duplicates`)).json()) as { extraSubmissions: number };
    // A submit in flight in the killed dispatcher may go twice: at most its window.
    expect(duplicates.extraSubmissions).toBeLessThanOrEqual(50);
    for (const account of accounts) {
      const counts = (await (await fetch(`${platform.simulatorUrl}/simulator/submissions/count?windowMs=800&source=${account.src}`)).json()) as {
        total: number;
        maxInWindow: number;
      };
      expect(counts.total).toBeGreaterThanOrEqual(BATCHES * PER_BATCH);
      expect(counts.maxInWindow).toBeLessThanOrEqual(5);
    }
    // Every message's final status reached its callback url (the killed callback replica's work went to the other).
    await eventually(
      async () => {
        const delivered = new Set(receiver.received.filter((c) => c.params['Status'] === 'delivered').map((c) => c.params['MessageUUID']));
        return uuids.every((u) => delivered.has(u)) ? true : undefined;
      },
      60_000,
      'a delivered callback for every message',
    );
  }, 300_000);
});
