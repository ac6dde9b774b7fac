// Before measuring: one message to each carrier must go all the way through (Kafka consumer
// groups joined, SMPP binds up, caches filled), so a cold start does not count as latency.
import type { DataSource } from 'typeorm';
import { seedAccounts } from '../fixtures/seeder';
import type { CallbackReceiver } from '../receiver/callback-receiver';
import { parseScenario } from '../scenario/scenario';
import { TrafficPlan } from '../scenario/traffic-plan';

export async function warmUp(options: {
  readonly dataSource: DataSource;
  readonly gatewayUrl: string;
  readonly callbackUrl: string;
  readonly receiver: CallbackReceiver;
  readonly runId: string;
  readonly timeoutMs: number;
}): Promise<{ ok: boolean; seconds: number }> {
  const started = Date.now();
  const scenario = parseScenario(
    {
      name: 'warm-up',
      groups: [{ name: 'warm-up', smsMps: 100, numbers: [{ type: 'short_code' }], carriers: { att: 1, tmobile: 1, verizon: 1, rogers: 1 }, destinationsPerRequest: 4 }],
      phases: [{ rate: 1, seconds: 1 }],
    },
    'warm-up',
  );
  const accounts = await seedAccounts(options.dataSource, scenario.groups, { runId: `${options.runId} warm-up` });
  const send = new TrafficPlan(scenario, accounts, options.callbackUrl).next();
  const response = await fetch(`${options.gatewayUrl}/v1/Account/${send.account.authId}/Message/`, {
    method: 'POST',
    headers: { authorization: send.account.authorization, 'content-type': 'application/json' },
    body: send.body,
  });
  if (response.status !== 202) throw new Error(`the gateway answered the warm-up message ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const uuids = ((await response.json()) as { message_uuid: string[] }).message_uuid;
  while (Date.now() - started < options.timeoutMs) {
    const rows: Array<{ n: string }> = await options.dataSource.query(
      `SELECT count(*) AS n FROM messages WHERE message_uuid = ANY($1::uuid[]) AND message_state IN ('delivered', 'undelivered', 'failed')`,
      [uuids],
    );
    const called = new Set(options.receiver.callbacks.filter((c) => uuids.includes(c.messageUuid) && ['delivered', 'undelivered', 'failed'].includes(c.status)).map((c) => c.messageUuid));
    if (Number(rows[0]?.n) === uuids.length && called.size === uuids.length) return { ok: true, seconds: (Date.now() - started) / 1_000 };
    await new Promise((r) => setTimeout(r, 250));
  }
  return { ok: false, seconds: (Date.now() - started) / 1_000 };
}
