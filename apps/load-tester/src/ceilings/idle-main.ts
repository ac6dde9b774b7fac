// `npm run bench:idle [-- --seconds 60] [--settle 20] [--infra-dir .local] [--out FILE]`: starts the
// five apps against the local infrastructure, sends nothing, and measures from /proc what
// each process (and Postgres, Redis and Kafka) spends while the stack waits for work.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { localInfraEnv, prepareInfrastructure } from '../platform/infrastructure';
import { singleReplicaSettings, startPlatform } from '../platform/launcher';
import { cpuSecondsUsed, HARNESS_PROCESSES, infrastructurePids, secondsRunning, WatchedProcess } from '../platform/process-stats';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '60' }, settle: { type: 'string', default: '20' }, 'infra-dir': { type: 'string', default: '.local' }, out: { type: 'string' } },
  });
  const [seconds, settle] = [Number(values.seconds), Number(values.settle)];
  if (!(seconds >= 5) || !(settle >= 0)) {
    process.stderr.write('--seconds must be a number ≥ 5 and --settle a number ≥ 0\n');
    return 2;
  }
  const dir = resolve(values['infra-dir']);
  const env = { ...localInfraEnv(dir), ...process.env };
  const [databaseUrl, redisUrl, kafkaBrokers] = [env['DATABASE_URL'], env['REDIS_URL'], env['KAFKA_BROKERS']];
  if (!databaseUrl || !redisUrl || !kafkaBrokers) {
    process.stderr.write(`no running local infrastructure under ${dir}: start it with \`bash deploy/local/infra.sh up\`\n`);
    return 2;
  }
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  log('preparing the schema and topics');
  await prepareInfrastructure(databaseUrl, kafkaBrokers);
  log('starting the five apps');
  const platform = await startPlatform(singleReplicaSettings({ databaseUrl, redisUrl, kafkaBrokers }, resolve('tmp/bench-idle-logs')));
  try {
    log(`all ready; letting start-up settle for ${settle} s`);
    await sleep(settle * 1_000);
    const processes: WatchedProcess[] = [
      ...platform.apps.map((app) => ({ name: app.name, pid: app.process.pid ?? 0, tree: false })),
      ...infrastructurePids(dir),
    ];
    const before = processes.map((p) => cpuSecondsUsed(p));
    const loadBefore = loadavg();
    log(`measuring for ${seconds} s, nothing sent`);
    const started = performance.now();
    await sleep(seconds * 1_000);
    const elapsed = (performance.now() - started) / 1_000;
    // A server's idle cost depends on how long it has run: a broker a few minutes old still runs much of its code interpreted.
    const percent = processes.map((p, i) => ({ name: p.name, percentOfCore: (100 * (cpuSecondsUsed(p) - (before[i] ?? 0))) / elapsed, runningSeconds: secondsRunning(p.pid) }));
    const platformPercent = percent.filter((p) => !HARNESS_PROCESSES.has(p.name)).reduce((sum, p) => sum + p.percentOfCore, 0);
    const loadAfter = loadavg();
    const lines = [`idle stack over ${elapsed.toFixed(0)} s, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} → ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`, ''];
    for (const p of percent) {
      const running = p.runningSeconds === null ? '' : `, running ${(p.runningSeconds / 60).toFixed(0)} min`;
      lines.push(`${p.name.padEnd(18)} ${p.percentOfCore.toFixed(2).padStart(6)} % of a core${running}${HARNESS_PROCESSES.has(p.name) ? ' (harness, not counted)' : ''}`);
    }
    lines.push('', `platform (apps, Postgres, Redis, Kafka): ${platformPercent.toFixed(2)} % of one core`);
    process.stdout.write(`${lines.join('\n')}\n`);
    const file = resolve(values.out ?? `tmp/idle-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ seconds: elapsed, loadAverageAtStart: loadBefore, loadAverageAtEnd: loadAfter, processes: percent, platformPercent }, null, 2)}\n`);
    log(`written ${file}`);
    return 0;
  } finally {
    await platform.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
