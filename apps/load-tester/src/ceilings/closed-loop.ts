// What the same-run ceilings and the CPU floor share: closed-loop measurement, the bare
// Fastify server they measure against, and the send body they post to it.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TOPIC_SPECS, Topic } from '@sluice/contracts';
import { freePort } from '@sluice/processes';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';

/** A send request's body, as the load tester posts it. */
export const SAMPLE_BODY = JSON.stringify({ src: '14155550100', dst: '12025550123', text: 'Your verification code is 123456', url: 'http://127.0.0.1:9/status' });

export interface LoopRun {
  /** Operations completed (the sum of what `operation` answered). */
  readonly operations: number;
  readonly seconds: number;
}

/** Runs `concurrency` loops of `operation` (which answers how many operations it completed) for `seconds`. */
export async function closedLoop(seconds: number, concurrency: number, operation: () => Promise<number>): Promise<LoopRun> {
  const start = performance.now();
  const deadline = start + seconds * 1_000;
  let operations = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        // Not `operations += await …`: that reads the sum before the await and loses the other loops' counts.
        const completed = await operation();
        operations += completed;
      }
    }),
  );
  return { operations, seconds: (performance.now() - start) / 1_000 };
}

const BARE_FASTIFY_SCRIPT = join(__dirname, 'bare-fastify.server.js');

/** Whether the bare Fastify server is built (it is compiled with the load tester). */
export function bareFastifyBuilt(): boolean {
  return existsSync(BARE_FASTIFY_SCRIPT);
}

/** Runs `use` with the bare Fastify server started as a child process on a free port, and stops it after. */
export async function withBareFastify<T>(use: (port: number, pid: number) => Promise<T>): Promise<T> {
  if (!bareFastifyBuilt()) throw new Error(`${BARE_FASTIFY_SCRIPT} is missing: build the load tester first`);
  const port = await freePort();
  const child = fork(BARE_FASTIFY_SCRIPT, [], { env: { PATH: process.env['PATH'] ?? '', PORT: String(port) }, stdio: 'ignore' });
  try {
    await new Promise<void>((ready, failed) => {
      child.once('message', () => ready());
      child.once('exit', (code) => failed(new Error(`bare Fastify server exited with ${code}`)));
    });
    return await use(port, child.pid ?? 0);
  } finally {
    child.kill('SIGTERM');
  }
}

/** A topic of its own, as many partitions as the platform topic it stands for, and a producer with the platform's settings. */
export interface ScratchTopic {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly partitions: number;
  /** Idempotent, one request in flight: what the platform's producers are. */
  readonly producer: Producer;
}

/** Runs `use` with a scratch topic created for it, deleted after. */
export async function withScratchTopic<T>(brokers: string, clientId: string, like: Topic, use: (scratch: ScratchTopic) => Promise<T>): Promise<T> {
  const kafka = new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const topic = `loadtest.${clientId}.${randomUUID().slice(0, 8)}`;
  const partitions = TOPIC_SPECS.find((t) => t.name === like)?.partitions ?? 12;
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
    await producer.connect();
    return await use({ kafka, topic, partitions, producer });
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
