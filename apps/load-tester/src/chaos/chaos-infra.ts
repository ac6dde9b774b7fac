// The suite's own Postgres, Redis and Kafka, run by deploy/local/infra.sh in a data directory and on
// ports of their own: the faults kill them, so they must never be the instances anyone else uses.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { WORKSPACE_ROOT } from '../platform/launcher';
import { infrastructurePids, WatchedProcess } from '../platform/process-stats';
import type { InfraService } from './chaos-scenarios';

export interface InfraPorts {
  readonly postgres: number;
  readonly redis: number;
  readonly kafka: number;
  readonly kafkaController: number;
}

/** The ports of the shared local infrastructure (deploy/local/infra.sh's defaults). */
export const SHARED_PORTS: InfraPorts = { postgres: 55432, redis: 56379, kafka: 59092, kafkaController: 59093 };
/** The fixed place of an infrastructure kept between runs (`--keep-infra`). */
export const CHAOS_PORTS: InfraPorts = { postgres: 55442, redis: 56389, kafka: 59102, kafkaController: 59103 };
export const CHAOS_DATA_DIR = join(WORKSPACE_ROOT, 'tmp', 'chaos', 'infra');

/**
 * Four free consecutive ports below Linux's ephemeral range (32768 and up), so that no process
 * asking the system for any free port takes one while a server of the suite is down.
 */
export async function pickInfraPorts(): Promise<InfraPorts> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = randomInt(20_000, 32_700);
    const ports = { postgres: base, redis: base + 1, kafka: base + 2, kafkaController: base + 3 };
    if ((await Promise.all(Object.values(ports).map(free))).every(Boolean)) return ports;
  }
  throw new Error('no four free consecutive ports between 20000 and 32767 on 127.0.0.1');
}

/**
 * Claims a data directory for this process (`<dir>.lock` holds its pid), so that two runs never
 * share, and so kill or delete, one infrastructure. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  const lock = `${dataDir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
  } catch {
    const holder = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
      throw new Error(`${dataDir} is in use by another fault-injection run (pid ${holder}); wait for it, or give --infra-dir and ports of your own`);
    }
    writeFileSync(lock, String(process.pid));
  }
  return () => rmSync(lock, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const INFRA_SCRIPT = join(WORKSPACE_ROOT, 'deploy', 'local', 'infra.sh');

/** Refuses ports of the shared infrastructure, or one port used twice: a sentence per problem. */
export function portProblems(ports: InfraPorts): string[] {
  const problems: string[] = [];
  const shared = new Set(Object.values(SHARED_PORTS));
  for (const [name, port] of Object.entries(ports)) {
    if (shared.has(port)) problems.push(`the ${name} port ${port} is one of the shared infrastructure's; the suite kills what it runs, so it needs ports of its own`);
  }
  if (new Set(Object.values(ports)).size !== Object.values(ports).length) problems.push(`the infrastructure ports must differ (${Object.values(ports).join(', ')})`);
  return problems;
}

export class ChaosInfrastructure {
  constructor(
    readonly dataDir: string,
    readonly ports: InfraPorts,
    private readonly logFile: string,
  ) {
    const problems = portProblems(ports);
    if (problems.length > 0) throw new Error(problems.join('; '));
  }

  get databaseUrl(): string {
    return `postgres://sluice:sluice@127.0.0.1:${this.ports.postgres}/sluice`;
  }

  get redisUrl(): string {
    return `redis://127.0.0.1:${this.ports.redis}`;
  }

  get kafkaBrokers(): string {
    return `127.0.0.1:${this.ports.kafka}`;
  }

  /** Starts the services (all when none is named) and waits until they are healthy. */
  async up(...services: InfraService[]): Promise<void> {
    await this.run('up', ...services);
  }

  /** SIGKILL, as a crash would. */
  async kill(service: InfraService): Promise<void> {
    await this.run('kill', service);
  }

  async down(): Promise<void> {
    await this.run('down');
  }

  /** Stops the services and deletes their data, so that the next run starts from nothing. */
  async destroy(): Promise<void> {
    await this.down();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Their pids now, for CPU and memory sampling (they change at each restart). */
  processes(): WatchedProcess[] {
    return infrastructurePids(this.dataDir);
  }

  private run(...args: string[]): Promise<void> {
    mkdirSync(dirname(this.logFile), { recursive: true });
    const log = createWriteStream(this.logFile, { flags: 'a' });
    log.write(`\n$ infra.sh ${args.join(' ')}  (${new Date().toISOString()})\n`);
    const child = spawn('bash', [INFRA_SCRIPT, ...args], {
      cwd: WORKSPACE_ROOT,
      env: {
        ...process.env,
        SLUICE_DATA_DIR: this.dataDir,
        SLUICE_PG_PORT: String(this.ports.postgres),
        SLUICE_REDIS_PORT: String(this.ports.redis),
        SLUICE_KAFKA_PORT: String(this.ports.kafka),
        SLUICE_KAFKA_CONTROLLER_PORT: String(this.ports.kafkaController),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => {
        log.end();
        if (code === 0) resolve();
        else reject(new Error(`deploy/local/infra.sh ${args.join(' ')} exited with ${code}; see ${this.logFile}`));
      });
    });
  }
}
