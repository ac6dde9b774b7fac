// `npm run bench:floor [-- --seconds N] [--infra-dir DIR] [--out FILE]`: measures the CPU floor of an
// end-to-end message on this machine (floor.ts) against the local infrastructure that
// deploy/local/infra.sh started, prints it, and writes it as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { localInfraEnv } from '../platform/infrastructure';
import { infrastructurePids } from '../platform/process-stats';
import { measureFloor } from './floor';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '8' }, 'infra-dir': { type: 'string', default: '.local' }, out: { type: 'string' } } });
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds < 1) {
    process.stderr.write('--seconds must be a number ≥ 1\n');
    return 2;
  }
  const dir = resolve(values['infra-dir']);
  const env = { ...localInfraEnv(dir), ...process.env };
  const [databaseUrl, redisUrl, kafkaBrokers] = [env['DATABASE_URL'], env['REDIS_URL'], env['KAFKA_BROKERS']];
  const infrastructure = infrastructurePids(dir);
  if (!databaseUrl || !redisUrl || !kafkaBrokers || infrastructure.length < 3) {
    process.stderr.write(`no running local infrastructure under ${dir}: start it with \`bash deploy/local/infra.sh up\`\n`);
    return 2;
  }
  const loadBefore = loadavg();
  const result = await measureFloor({ databaseUrl, redisUrl, kafkaBrokers, infrastructure, seconds, cores: cpus().length, log: (line) => process.stderr.write(`${line}\n`) });
  const loadAfter = loadavg();
  const fixed = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');
  const out: string[] = [`CPU floor of an end-to-end message, load average ${loadBefore.map((l) => fixed(l, 2)).join(' ')} → ${loadAfter.map((l) => fixed(l, 2)).join(' ')}`, ''];
  out.push('measured                          ops/s  CPU µs per operation, by process');
  for (const c of result.costs) {
    const by = Object.entries(c.usPerOperation).map(([p, us]) => `${p} ${fixed(us)}`).join(', ');
    out.push(`${c.name.padEnd(32)} ${fixed(c.operations / c.seconds, 0).padStart(7)}  ${by}`);
  }
  out.push('', 'per message                                              × n   platform µs   Postgres µs   harness µs');
  for (const l of result.lines) {
    out.push(`${l.what.padEnd(55)} ${String(l.perMessage).padStart(3)}   ${fixed(l.perMessage * l.platformUs).padStart(11)}   ${fixed(l.perMessage * l.postgresUs).padStart(11)}   ${fixed(l.perMessage * l.harnessUs).padStart(10)}`);
  }
  out.push(
    '',
    `floor per message: platform ${fixed(result.platformMsPerMessage, 3)} ms (Postgres ${fixed(result.postgresMsPerMessage, 3)} ms), harness ${fixed(result.harnessMsPerMessage, 3)} ms`,
    `at that floor, ${result.cores} cores carry at most ${fixed(result.maxRateOnCores, 0)} messages/s with the harness on the same machine`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  const file = resolve(values.out ?? `tmp/floor-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ loadAverageAtStart: loadBefore, loadAverageAtEnd: loadAfter, ...result }, null, 2)}\n`);
  process.stderr.write(`written ${file}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
