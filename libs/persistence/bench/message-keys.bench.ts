// What a message's key costs Postgres: the gateway's acceptance statement, then the `sent` and
// `delivered` transitions (with the outbox rows deleted as a publisher deletes them), for
// messages keyed by random uuids (version 4) against time-ordered ones (version 7, what
// `newMessageUuid` makes). CPU of the one backend that runs them, from /proc, per variant and
// round, the variants interleaved. Needs the local infrastructure (`npm run infra:up`); runs in
// a scratch database of that server, dropped at the end.
import { randomUUID } from 'node:crypto';
import { LogMode, MessageErrorCode, MessageState, must } from '@sluice/contracts';
import { newMessageUuid } from '@sluice/domain';
import { processCpuMs, queuedSmsRow, testInfrastructure } from '@sluice/testing';
import { createScratchDatabase } from '../src/scratch-database';
import { MessageAcceptanceRepository } from '../src/repositories/message-acceptance.repository';
import { MessageRepository } from '../src/repositories/message.repository';
import { StatusOutboxRepository } from '../src/repositories/status-outbox.repository';

const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 48_000);
const BATCH = 100;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const VARIANTS = { v4: (): string => randomUUID(), v7: newMessageUuid } as const;
const ACCOUNT = 'MABENCHKEYS000000000';

/** CPU ms the backend has used so far. */
function cpuMs(pid: number): number {
  return must(processCpuMs(pid), `the CPU of backend ${pid} (/proc)`);
}

/** A queued message as the gateway accepts it, its text kept, with a callback url. */
function row(messageUuid: string) {
  return queuedSmsRow(ACCOUNT, { messageUuid, text: 'Your verification code is 123456', logMode: LogMode.All, callbackUrl: 'https://example.com/sms/status' });
}

async function main(): Promise<void> {
  // Two connections: migrating holds one for its lock. Every statement measured runs on one of its own.
  const scratch = await createScratchDatabase(testInfrastructure().databaseUrl, 'sluice_bench_keys', 2);
  const db = scratch.dataSource.createQueryRunner();
  try {
    await db.connect();
    const [backend] = (await db.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
    const pid = backend?.pid ?? 0;
    const accept = new MessageAcceptanceRepository();
    const messages = new MessageRepository(scratch.dataSource);
    const outbox = new StatusOutboxRepository(scratch.dataSource);
    const results: Array<Record<string, string | number>> = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const [variant, newUuid] of Object.entries(VARIANTS)) {
        await db.query('TRUNCATE messages, message_media, status_events, status_outbox, monthly_spend');
        await db.query('VACUUM ANALYZE messages');
        const uuids = Array.from({ length: MESSAGES }, () => newUuid());
        const result: Record<string, string | number> = { round, variant };
        let started = cpuMs(pid);
        for (let i = 0; i < MESSAGES; i += BATCH) {
          const batch = uuids.slice(i, i + BATCH);
          const inserted = await accept.insertBatch(db, batch.map(row), []);
          await outbox.delete([...new Set(inserted.outbox.map((row) => row.id))], db.manager);
        }
        result['accept'] = cpuMs(pid) - started;
        for (const state of [MessageState.Sent, MessageState.Delivered] as const) {
          started = cpuMs(pid);
          for (let i = 0; i < MESSAGES; i += BATCH) {
            const patch = state === MessageState.Sent ? { sentAt: new Date() } : { deliveryReportAt: new Date() };
            const requests = uuids.slice(i, i + BATCH).map((messageUuid) => ({ messageUuid, errorCode: MessageErrorCode.Ok, patch }));
            const applied = await messages.transitionMany(state, requests, db.manager);
            await outbox.delete([...new Set(applied.flatMap((a) => (a ? [a.outbox.id] : [])))], db.manager);
          }
          result[state] = cpuMs(pid) - started;
        }
        result['total'] = Number(result['accept']) + Number(result[MessageState.Sent]) + Number(result[MessageState.Delivered]);
        const [size] = (await db.query(`SELECT pg_indexes_size('messages') + pg_indexes_size('status_events') AS bytes`)) as Array<{ bytes: string }>;
        result['index MB'] = Math.round(Number(size?.bytes ?? 0) / 1e5) / 10;
        results.push(result);
        process.stdout.write(`${JSON.stringify(result)}\n`);
      }
    }
    process.stdout.write(`\nPostgres backend CPU ms for ${MESSAGES} messages (accept + sent + delivered), by round:\n`);
    for (const variant of Object.keys(VARIANTS)) {
      const totals = results.filter((r) => r['variant'] === variant).map((r) => Number(r['total']));
      const mean = totals.reduce((a, b) => a + b, 0) / totals.length;
      process.stdout.write(`${variant}: ${totals.join(', ')} (mean ${mean.toFixed(0)} ms, ${((mean * 1000) / MESSAGES).toFixed(1)} µs a message)\n`);
    }
  } finally {
    await db.release();
    await scratch.drop();
  }
}

void main();
