// `log=false` content is not stored at rest anywhere: not in Postgres, not in Kafka's segments, not in Redis's AOF.
import { must } from '@sluice/contracts';
import { eventually, testInfrastructure, testNumber, WORKSPACE_ROOT } from '@sluice/testing';
import { connectTestDatabase, createTestAccount, registerTestSender } from '@sluice/testing-data';
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { CallbackReceiver } from './callback-receiver';
import { Platform, startPlatform } from './platform';

const run = promisify(execFile);

/** Every file under `dir` whose name passes `keep`, recursively. */
async function filesUnder(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name), keep) : Promise.resolve(keep(e.name) ? [join(dir, e.name)] : []))),
  );
  return nested.flat();
}

/** The files among `paths` that hold `marker`. */
async function holding(paths: readonly string[], marker: string): Promise<string[]> {
  const needle = Buffer.from(marker, 'utf8');
  const found: string[] = [];
  for (const path of paths) if ((await readFile(path)).includes(needle)) found.push(path);
  return found;
}

describe('content that log=false does not keep', () => {
  let platform: Platform;
  let dataSource: DataSource;
  let redis: Redis;
  const receiver = new CallbackReceiver();
  let callbackUrl: string;

  beforeAll(async () => {
    redis = new Redis(testInfrastructure().redisUrl, { lazyConnect: true });
    [platform, dataSource, callbackUrl] = await Promise.all([startPlatform(), connectTestDatabase(), receiver.start(), redis.connect()]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([platform?.stop(), dataSource?.destroy(), receiver.stop(), redis?.quit()]);
  });

  async function send(auth: { authId: string; authToken: string }, body: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${platform.gatewayUrl}/v1/Account/${auth.authId}/Message/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${auth.authId}:${auth.authToken}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(202);
    return must(((await response.json()) as { message_uuid: string[] }).message_uuid[0], 'the message uuid');
  }

  it('is in no Kafka segment, no Redis AOF file and no pg_dump once delivered, while kept content is found by the same search', async () => {
    const account = await createTestAccount(dataSource);
    const secret = `secret-${randomUUID()}`;
    const kept = `kept-${randomUUID()}`;
    const src = await registerTestSender(dataSource, account.authId);
    const secretDestinations = [testNumber('202'), testNumber('202')];
    const uuids = [
      await send(account, { src, dst: secretDestinations[0], text: `Your code is ${secret}`, log: false, url: callbackUrl }),
      await send(account, { src, dst: secretDestinations[1], text: `Your code is ${secret}`, log: 'number_only', url: callbackUrl }),
      await send(account, { src, dst: testNumber('202'), text: `Hello ${kept}`, url: callbackUrl }),
    ];
    await eventually(
      async () => (uuids.every((uuid) => receiver.forMessage(uuid).some((c) => c.params['Status'] === 'delivered')) ? true : undefined),
      45_000,
      'the delivered callbacks of all three messages',
    );
    // The carrier got the real text: sealing hides it at rest, not on the wire.
    const textSha256 = createHash('sha256').update(`Your code is ${secret}`).digest('hex');
    for (const dst of secretDestinations) {
      const atCarrier = (await (await fetch(`${platform.simulatorUrl}/simulator/submissions?destination=${dst}`)).json()) as Array<{ textSha256: string }>;
      expect(atCarrier.map((s) => s.textSha256)).toEqual([textSha256]);
    }

    const dataDir = process.env['SLUICE_DATA_DIR'] ?? join(WORKSPACE_ROOT, '.local');
    const kafkaSegments = await filesUnder(join(dataDir, 'kafka', 'data'), (name) => name.endsWith('.log'));
    const redisDir = must(((await redis.config('GET', 'dir')) as string[])[1], 'the Redis dir');
    const aofFiles = await filesUnder(redisDir, (name) => name.includes('.aof'));
    const { stdout: dump } = await run('pg_dump', ['--data-only', '--no-owner', testInfrastructure().databaseUrl], { maxBuffer: 1024 * 1024 * 1024 });

    expect(kafkaSegments.length).toBeGreaterThan(0);
    expect(aofFiles.length).toBeGreaterThan(0);
    expect(await holding(kafkaSegments, kept)).not.toEqual([]);
    expect(dump).toContain(kept);

    expect(await holding(kafkaSegments, secret)).toEqual([]);
    expect(await holding(aofFiles, secret)).toEqual([]);
    expect(dump).not.toContain(secret);
    // The keys are gone with the queue: the sealed copies can no longer be opened.
    const keys: Array<{ content_key: Buffer | null }> = await dataSource.query(`SELECT content_key FROM messages WHERE message_uuid = ANY($1::uuid[])`, [uuids]);
    expect(keys.map((k) => k.content_key)).toEqual([null, null, null]);
  }, 90_000);
});
