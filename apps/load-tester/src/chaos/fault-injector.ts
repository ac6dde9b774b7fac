// Injects one fault into a running platform and puts back what a supervisor or an operator would:
// the killed process or server is started again, the carrier comes back when its outage ends.
import { dlqTopic, Topic } from '@sluice/contracts';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { StartedPlatform } from '../platform/launcher';
import type { SimulatorClient } from '../platform/simulator-client';
import type { ChaosInfrastructure } from './chaos-infra';
import type { ProcessSupervisor } from './process-supervisor';
import { describeFault, faultName, FaultSpec } from './chaos-scenarios';
import type { FaultRecord } from './recovery';

export interface InjectorDeps {
  readonly platform: StartedPlatform;
  readonly infra: ChaosInfrastructure;
  readonly simulator: SimulatorClient;
  /** Samples a restarted process from now on. */
  readonly follow: (name: string, pid: number) => void;
  readonly log: (line: string) => void;
  /** Keeps the supervisor from restarting what the fault kills and restarts itself. */
  readonly supervisor: ProcessSupervisor;
}

export interface InjectedFault {
  readonly record: FaultRecord;
  /** Finishes the record once the run has drained (a poison record: what reached the dead-letter topic). */
  readonly afterDrain?: () => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A value no consumer can parse as JSON. */
export const POISON_VALUE = 'chaos: this record is not JSON {';

export async function injectFault(spec: FaultSpec, deps: InjectorDeps): Promise<InjectedFault> {
  const base = { name: faultName(spec), spec, description: describeFault(spec) };
  switch (spec.kind) {
    case 'kill-app': {
      const victims = deps.platform.apps.filter((a) => a.app === spec.app).map((a) => a.name);
      // Readiness after the restart is measured by the poller; the schedule does not wait for it.
      return deps.supervisor.hold(victims, async () => {
        const injectedAt = Date.now();
        await Promise.all(victims.map((name) => deps.platform.kill(name)));
        await sleep(spec.downSeconds * 1_000);
        for (const app of victims.map((name) => deps.platform.restart(name))) {
          if (app.process.pid !== undefined) deps.follow(app.name, app.process.pid);
        }
        return { record: { ...base, injectedAt, restoredAt: Date.now() } };
      });
    }
    case 'kill-infra': {
      const injectedAt = Date.now();
      await deps.infra.kill(spec.service);
      await sleep(spec.downSeconds * 1_000);
      let problem: string | undefined;
      await deps.infra.up(spec.service).catch((error: unknown) => {
        problem = `could not start ${spec.service} again: ${message(error)}`;
      });
      const restoredAt = Date.now();
      for (const watched of deps.infra.processes()) deps.follow(watched.name, watched.pid);
      return { record: { ...base, injectedAt, restoredAt, ...(problem ? { problem } : {}) } };
    }
    case 'redis-flushall': {
      const redis = new Redis(deps.infra.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
      try {
        await redis.connect();
        const injectedAt = Date.now();
        await redis.flushall();
        return { record: { ...base, injectedAt, restoredAt: null } };
      } finally {
        redis.disconnect();
      }
    }
    case 'carrier-outage': {
      const injectedAt = Date.now();
      const { until } = await deps.simulator.startOutage(spec.seconds);
      await sleep(Math.max(0, until - Date.now()));
      return { record: { ...base, injectedAt, restoredAt: Date.now() } };
    }
    case 'poison-record':
      return producePoison(base, deps);
  }
}

/** One record that is not JSON on each partition of sms.submitted.v1, so that every consumer of the topic meets one. */
async function producePoison(base: Pick<FaultRecord, 'name' | 'spec' | 'description'>, deps: InjectorDeps): Promise<InjectedFault> {
  const kafka = new Kafka({ clientId: 'sluice-chaos', brokers: deps.infra.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const topic = Topic.SmsSubmitted;
  const deadLetterTopic = dlqTopic(topic);
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true });
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const partitions = (metadata?.partitions ?? []).map((p) => p.partitionId);
    const before = await deadLetterOffset(admin, deadLetterTopic);
    const injectedAt = Date.now();
    await producer.send({ topic, acks: -1, messages: partitions.map((partition) => ({ partition, key: 'chaos-poison', value: POISON_VALUE })) });
    const record: FaultRecord = { ...base, injectedAt, restoredAt: null, poison: { records: partitions.length, deadLetterTopic, deadLettered: null } };
    const afterDrain = async (): Promise<void> => {
      const counter = kafka.admin();
      await counter.connect();
      try {
        const after = await deadLetterOffset(counter, deadLetterTopic);
        if (record.poison && after !== null) record.poison.deadLettered = after - (before ?? 0);
      } finally {
        await counter.disconnect();
      }
    };
    return { record, afterDrain };
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
}

/** Records ever written to the topic (the sum of its partitions' end offsets); null when it does not exist. */
async function deadLetterOffset(admin: ReturnType<Kafka['admin']>, topic: string): Promise<number | null> {
  if (!(await admin.listTopics()).includes(topic)) return null;
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}
