// The CPU floor of an end-to-end message: what the operations every message needs at the very
// least cost on this machine, measured one by one from /proc with no Sluice logic around them,
// each in its most favourable form (large batches, the cheaper of two clients, idle CPU taken
// off). A platform built on these pieces cannot spend less per message than their sum.
import { Topic } from '@sluice/contracts';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { Pool as PgPool } from 'pg';
import { Pool } from 'undici';
import { cpuSecondsUsed, WatchedProcess } from '../platform/process-stats';
import { closedLoop, LoopRun, SAMPLE_BODY, withBareFastify, withScratchTopic } from './closed-loop';

/** One measured operation: CPU per operation in each process that pays for it. */
export interface OperationCost {
  readonly name: string;
  readonly operations: number;
  readonly seconds: number;
  /** CPU µs per operation, by process ('client' is the Node process issuing it). */
  readonly usPerOperation: Readonly<Record<string, number>>;
  readonly how: string;
}

/** An operation every message needs, with how many times and which measured cost stands for it. */
export interface FloorLine {
  readonly what: string;
  readonly perMessage: number;
  /** CPU µs per operation that the platform pays (its own processes only). */
  readonly platformUs: number;
  /** Of which in Postgres. */
  readonly postgresUs: number;
  /** CPU µs per operation the harness pays (load generator, stand-in customer). */
  readonly harnessUs: number;
}

export interface FloorResult {
  readonly costs: OperationCost[];
  readonly lines: FloorLine[];
  readonly platformMsPerMessage: number;
  readonly postgresMsPerMessage: number;
  readonly harnessMsPerMessage: number;
  /** Messages per second two cores could carry if every message cost exactly the floor, harness included. */
  readonly maxRateOnCores: number;
  readonly cores: number;
}

export interface FloorTargets {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly kafkaBrokers: string;
  /** PIDs of Postgres, Redis and Kafka (deploy/local/infra.sh's). */
  readonly infrastructure: readonly WatchedProcess[];
  readonly seconds: number;
  readonly cores: number;
  readonly log: (line: string) => void;
}

type Meter = () => Record<string, number>;

/** CPU seconds since start of the named processes and this one ('client'), less each one's idle rate. */
function meter(processes: readonly WatchedProcess[], idlePerSecond: ReadonlyMap<string, number>): Meter {
  const read = (): Record<string, number> => {
    const own = process.cpuUsage();
    const out: Record<string, number> = { client: (own.user + own.system) / 1e6 };
    for (const p of processes) out[p.name] = cpuSecondsUsed(p);
    return out;
  };
  const start = read();
  const started = performance.now();
  return () => {
    const now = read();
    const elapsed = (performance.now() - started) / 1_000;
    const used: Record<string, number> = {};
    for (const [name, value] of Object.entries(now)) used[name] = Math.max(0, value - (start[name] ?? 0) - (idlePerSecond.get(name) ?? 0) * elapsed);
    return used;
  };
}

/** Each process's CPU per second while nothing is asked of it (JVM and checkpointer housekeeping). */
async function idleRates(processes: readonly WatchedProcess[], seconds = 3): Promise<Map<string, number>> {
  const before = new Map(processes.map((p) => [p.name, cpuSecondsUsed(p)]));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
  return new Map(processes.map((p) => [p.name, (cpuSecondsUsed(p) - (before.get(p.name) ?? 0)) / seconds]));
}

function cost(name: string, how: string, run: LoopRun, used: Record<string, number>): OperationCost {
  const usPerOperation: Record<string, number> = {};
  for (const [process, cpu] of Object.entries(used)) usPerOperation[process] = run.operations > 0 ? (cpu * 1e6) / run.operations : NaN;
  return { name, how, operations: run.operations, seconds: run.seconds, usPerOperation };
}

/** The fields of a status callback (callback-service/README.md), form-encoded as it sends them. */
const CALLBACK_FORM = new URLSearchParams({
  From: '14155550100', To: '12025550123', MessageUUID: randomUUID(), Status: 'delivered', Units: '1', TotalRate: '0.00500', TotalAmount: '0.00500',
  ErrorCode: '000', MCC: '310', MNC: '260', Type: 'sms', Sequence: '3', MessageTime: '2026-12-04 10:15:32.123000+00:00', QueuedTime: '2026-12-04 10:15:32.123000+00:00',
  SentTime: '2026-12-04 10:15:32.223000+00:00', DeliveryReportTime: '2026-12-04 10:15:32.423000+00:00', ParentMessageUUID: randomUUID(), PartInfo: '1 of 1', PowerpackUUID: '',
}).toString();

/** A request accepted by bare Fastify (server side), and a callback sent by Node's http client and by undici (client side). */
async function http(seconds: number): Promise<OperationCost[]> {
  return withBareFastify(async (port, pid) => {
    const server: WatchedProcess = { name: 'fastify', pid, tree: false };
    const idle = new Map([[server.name, 0]]);
    const costs: OperationCost[] = [];
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 32, pipelining: 1 });
    try {
      let used = meter([server], idle);
      let run = await closedLoop(seconds, 32, async () => {
        const response = await pool.request({ method: 'POST', path: '/v1/Account/MA00000000000000000000/Message/', headers: { 'content-type': 'application/json' }, body: SAMPLE_BODY });
        await response.body.dump();
        return 1;
      });
      costs.push(cost('HTTP send accepted (202 JSON)', 'bare Fastify parsing a send body and answering 202; undici client, 32 keep-alive connections', run, used()));
      used = meter([server], idle);
      run = await closedLoop(seconds, 32, async () => {
        const response = await pool.request({ method: 'POST', path: '/status', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: CALLBACK_FORM });
        await response.body.dump();
        return 1;
      });
      costs.push(cost('HTTP callback sent (undici)', 'a status callback form-encoded, 32 keep-alive connections; the receiver is bare Fastify', run, used()));
    } finally {
      await pool.close();
    }
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    try {
      const used = meter([server], idle);
      const run = await closedLoop(seconds, 32, () =>
        new Promise<number>((resolve, reject) => {
          const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/status', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(CALLBACK_FORM) } }, (response) => {
            response.resume();
            response.once('end', () => resolve(1));
          });
          request.once('error', reject);
          request.end(CALLBACK_FORM);
        }),
      );
      costs.push(cost('HTTP callback sent (node:http)', 'as above with node:http and a keep-alive agent (what callback-service uses)', run, used()));
    } finally {
      agent.destroy();
    }
    return costs;
  });
}

/** A record produced with the platform's durability (acks=all, idempotent) in batches of 500, then consumed by a kafkajs consumer group. */
async function kafka(brokers: string, broker: WatchedProcess, seconds: number): Promise<OperationCost[]> {
  return withScratchTopic(brokers, 'sluice-floor', Topic.SmsStatus, async ({ kafka: client, topic, partitions, producer }) => {
    const consumer = client.consumer({ groupId: `sluice-floor-${randomUUID().slice(0, 8)}` });
    try {
      const idle = await idleRates([broker]);
      const value = JSON.stringify({ messageUuid: randomUUID(), accountId: 'MA00000000000000000000', state: 'delivered', errorCode: '000', sequence: 3, occurredAt: Date.now() });
      let used = meter([broker], idle);
      const produced = await closedLoop(seconds, 4, async () => {
        await producer.send({ topic, acks: -1, messages: Array.from({ length: 500 }, () => ({ key: randomUUID(), value })) });
        return 500;
      });
      const produce = cost('Kafka record produced', `acks=all, idempotent, batches of 500 × ${value.length} B, 4 batches in flight, ${partitions} partitions`, produced, used());
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      used = meter([broker], idle);
      const started = performance.now();
      let consumed = 0;
      await new Promise<void>((done) => {
        void consumer.run({
          eachBatch: async ({ batch }) => {
            consumed += batch.messages.length;
            if (consumed >= produced.operations) done();
          },
        });
      });
      const consume = cost('Kafka record consumed', 'kafkajs consumer group, eachBatch, offsets committed by kafkajs; values not parsed', { operations: consumed, seconds: (performance.now() - started) / 1_000 }, used());
      return [produce, consume];
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  });
}

/** A message-shaped row inserted, then updated by its key, 100 rows a statement, durable commits (fsync on, synchronous_commit on). */
async function postgres(databaseUrl: string, server: WatchedProcess, seconds: number): Promise<OperationCost[]> {
  const table = `loadtest_floor_${randomUUID().slice(0, 8)}`;
  const pg = new PgPool({ connectionString: databaseUrl, max: 4, application_name: 'sluice-loadtest-floor' });
  try {
    await pg.query(`CREATE TABLE ${table} (message_uuid uuid PRIMARY KEY, account_id varchar(32) NOT NULL, from_number varchar(20) NOT NULL, to_number varchar(20) NOT NULL,
      message_state varchar(12) NOT NULL, units smallint NOT NULL, total_amount numeric(12,5) NOT NULL, queued_at timestamptz NOT NULL, updated_at timestamptz)`);
    // Warm the pool's connections so their start-up is not counted.
    await Promise.all(Array.from({ length: 4 }, () => pg.query('SELECT 1')));
    const idle = await idleRates([server]);
    const keys: string[] = [];
    let used = meter([server], idle);
    const inserted = await closedLoop(seconds, 4, async () => {
      const uuids = Array.from({ length: 100 }, () => randomUUID());
      keys.push(...uuids);
      await pg.query(
        `INSERT INTO ${table} (message_uuid, account_id, from_number, to_number, message_state, units, total_amount, queued_at)
         SELECT u, 'MA00000000000000000000', '14155550100', '12025550123', 'queued', 1, 0.005, now() FROM unnest($1::uuid[]) AS u`,
        [uuids],
      );
      return 100;
    });
    const insert = cost('Postgres row inserted', '100 message-shaped rows a statement (primary key only), 4 connections', inserted, used());
    let next = 0;
    used = meter([server], idle);
    const updated = await closedLoop(seconds, 4, async () => {
      const batch = keys.slice(next, next + 100);
      next = (next + 100) % Math.max(100, keys.length - 100);
      await pg.query(`UPDATE ${table} t SET message_state = 'sent', updated_at = now() FROM unnest($1::uuid[]) AS u WHERE t.message_uuid = u AND t.message_state <> 'failed'`, [batch]);
      return batch.length;
    });
    const update = cost('Postgres row updated (guarded)', '100 rows a statement by primary key with a state guard, 4 connections', updated, used());
    return [insert, update];
  } finally {
    await pg.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await pg.end();
  }
}

/** A Redis command (ZADD), pipelined 64 at a time on one connection. */
async function redis(redisUrl: string, server: WatchedProcess, seconds: number): Promise<OperationCost> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  const key = `{loadtest:${randomUUID().slice(0, 8)}}:floor`;
  try {
    const idle = await idleRates([server]);
    let member = 0;
    const used = meter([server], idle);
    const run = await closedLoop(seconds, 64, async () => {
      member += 1;
      await client.zadd(key, Date.now(), `m${member % 10_000}`);
      return 1;
    });
    return cost('Redis command', 'ZADD, one connection, 64 in flight (ioredis pipelines them)', run, used());
  } finally {
    await client.del(key).catch(() => undefined);
    client.disconnect();
  }
}

const sum = (values: Record<string, number>, keys: readonly string[]): number => keys.reduce((total, key) => total + (values[key] ?? 0), 0);

/**
 * The operations a message cannot do without, counted at their fewest:
 * - its send accepted over HTTP (the gateway), and its three status callbacks sent (callback-service);
 * - four Kafka records produced and consumed: the submitted message and its three statuses;
 * - one row inserted (the durable 202) and two guarded updates (sent, delivered) in Postgres,
 *   and the three callback attempts kept where they can be read back, at the cheaper of a
 *   Postgres row and a Kafka record; no status history, outbox, part or callback-queue row;
 * - two Redis commands (the booking and the admission), as plain commands rather than scripts;
 * - nothing at all for SMPP, JSON, validation, logging or metrics.
 */
export function floorLines(costs: readonly OperationCost[], infrastructure: readonly string[]): FloorLine[] {
  const find = (name: string): OperationCost => {
    const found = costs.find((c) => c.name === name);
    if (!found) throw new Error(`floor: ${name} was not measured`);
    return found;
  };
  const platform = (c: OperationCost): number => sum(c.usPerOperation, ['client', ...infrastructure]);
  const accept = find('HTTP send accepted (202 JSON)');
  const callbacks = [find('HTTP callback sent (undici)'), find('HTTP callback sent (node:http)')];
  const callback = callbacks.reduce((a, b) => ((a.usPerOperation['client'] ?? Infinity) <= (b.usPerOperation['client'] ?? Infinity) ? a : b));
  const produce = find('Kafka record produced');
  const consume = find('Kafka record consumed');
  const insert = find('Postgres row inserted');
  const update = find('Postgres row updated (guarded)');
  const command = find('Redis command');
  const attemptInPostgres = platform(insert);
  const attemptInKafka = platform(produce);
  return [
    { what: 'send accepted over HTTP (server side)', perMessage: 1, platformUs: accept.usPerOperation['fastify'] ?? NaN, postgresUs: 0, harnessUs: accept.usPerOperation['client'] ?? NaN },
    { what: `status callback sent (${callback.name.includes('undici') ? 'undici' : 'node:http'}, client side)`, perMessage: 3, platformUs: callback.usPerOperation['client'] ?? NaN, postgresUs: 0, harnessUs: callback.usPerOperation['fastify'] ?? NaN },
    { what: 'Kafka record produced (client + broker)', perMessage: 4, platformUs: platform(produce), postgresUs: 0, harnessUs: 0 },
    { what: 'Kafka record consumed (client + broker)', perMessage: 4, platformUs: platform(consume), postgresUs: 0, harnessUs: 0 },
    { what: 'Postgres row inserted (client + server)', perMessage: 1, platformUs: platform(insert), postgresUs: insert.usPerOperation['postgres'] ?? 0, harnessUs: 0 },
    { what: 'Postgres row updated, guarded (client + server)', perMessage: 2, platformUs: platform(update), postgresUs: update.usPerOperation['postgres'] ?? 0, harnessUs: 0 },
    {
      what: `callback attempt kept (${attemptInPostgres <= attemptInKafka ? 'Postgres row' : 'Kafka record'})`,
      perMessage: 3,
      platformUs: Math.min(attemptInPostgres, attemptInKafka),
      postgresUs: attemptInPostgres <= attemptInKafka ? insert.usPerOperation['postgres'] ?? 0 : 0,
      harnessUs: 0,
    },
    { what: 'Redis command (client + server)', perMessage: 2, platformUs: platform(command), postgresUs: 0, harnessUs: 0 },
  ];
}

export async function measureFloor(targets: FloorTargets): Promise<FloorResult> {
  const named = (name: string): WatchedProcess => {
    const found = targets.infrastructure.find((p) => p.name === name);
    if (!found) throw new Error(`floor: no pid for ${name}; is the local infrastructure up?`);
    return found;
  };
  const costs: OperationCost[] = [];
  targets.log('floor: HTTP…');
  costs.push(...(await http(targets.seconds)));
  targets.log('floor: Kafka…');
  costs.push(...(await kafka(targets.kafkaBrokers, named('kafka'), targets.seconds)));
  targets.log('floor: Postgres…');
  costs.push(...(await postgres(targets.databaseUrl, named('postgres'), targets.seconds)));
  targets.log('floor: Redis…');
  costs.push(await redis(targets.redisUrl, named('redis'), targets.seconds));
  const lines = floorLines(costs, targets.infrastructure.map((p) => p.name));
  const total = (pick: (line: FloorLine) => number): number => lines.reduce((ms, line) => ms + (line.perMessage * pick(line)) / 1_000, 0);
  const platformMsPerMessage = total((l) => l.platformUs);
  const harnessMsPerMessage = total((l) => l.harnessUs);
  return {
    costs,
    lines,
    platformMsPerMessage,
    postgresMsPerMessage: total((l) => l.postgresUs),
    harnessMsPerMessage,
    cores: targets.cores,
    maxRateOnCores: (targets.cores * 1_000) / (platformMsPerMessage + harnessMsPerMessage),
  };
}
