// Command-line options of `npm run chaos`, validated once with readable sentences.
import { z } from '@sluice/config';
import { join } from 'node:path';
import { parseAppEnv, parseArgs, UsageError } from '../cli';
import { WORKSPACE_ROOT } from '../platform/launcher';
import { CHAOS_DATA_DIR, CHAOS_PORTS, InfraPorts, portProblems } from './chaos-infra';
import { CHAOS_SCENARIOS, ChaosScenario, findChaosScenario, withRate } from './chaos-scenarios';

export const CHAOS_USAGE = `Usage: npm run chaos -- <scenario> [options]      (npm run chaos -- --list shows the scenarios)

Starts its own Postgres, Redis and Kafka (deploy/local/infra.sh in --infra-dir, on ports of their own),
the five built apps on them (run "npm run build" first), sustained traffic, and injects the scenario's
faults on schedule; then waits (bounded) until every accepted message is final with its callbacks.
Options:
  --rate N                     requests per second of the traffic (the scenario's by default)
  --infra-dir DIR              the infrastructure's data directory (default: a fresh tmp/chaos/infra-<time>,
                               deleted at the end; with --keep-infra: tmp/chaos/infra)
  --pg-port, --redis-port, --kafka-port, --kafka-controller-port N
                               its ports (default: four free ones below 32768; with --keep-infra: 55442, 56389,
                               59102, 59103; never the shared 55432, 56379, 59092, 59093)
  --keep-infra                 leave the infrastructure running, with its data, for the next run to reuse
  --out DIR                    where the JSON result, the HTML report and the logs go (tmp/chaos)
  --report PATH                also write the HTML report to PATH
  --app-env APP:KEY=VALUE      extra environment for an app (repeatable)
  --app-log-level LEVEL        LOG_LEVEL of the apps (warn)
  --progress tty|lines|off     progress display (tty when stderr is a terminal, else lines)
  --ci                         progress as lines; on a failure, print the last lines of each app's log
Exit codes: 0 pass, 1 a message lost or stuck, a duplicate beyond the allowance, a quota violation, a fault
            not recovered from or another failed check, 2 the suite could not run, 64 bad usage.`;

const FLAGS = new Set(['keep-infra', 'ci', 'list', 'help']);
const REPEATABLE = new Set(['app-env']);

const port = z.coerce.number().int().min(1).max(65_535, 'must be a port number');

const optionsSchema = z.object({
  rate: z.coerce.number().positive('must be a positive number').max(10_000).optional(),
  'infra-dir': z.string().min(1).optional(),
  'pg-port': port.optional(),
  'redis-port': port.optional(),
  'kafka-port': port.optional(),
  'kafka-controller-port': port.optional(),
  out: z.string().min(1).default(join(WORKSPACE_ROOT, 'tmp', 'chaos')),
  report: z.string().min(1).optional(),
  'app-log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  progress: z.enum(['tty', 'lines', 'off']).optional(),
});

export interface ChaosCliOptions {
  readonly help: boolean;
  readonly list: boolean;
  readonly scenario: ChaosScenario | null;
  /** Null: a fresh directory of this run's own. */
  readonly dataDir: string | null;
  /** Null: free ports picked at the start. */
  readonly ports: InfraPorts | null;
  readonly keepInfra: boolean;
  readonly ci: boolean;
  readonly out: string;
  readonly report?: string;
  readonly appEnv: Record<string, Record<string, string>>;
  readonly appLogLevel: string;
  readonly progress: 'tty' | 'lines' | 'off';
}

export function chaosOptions(argv: readonly string[]): ChaosCliOptions {
  const args = parseArgs(argv, FLAGS, REPEATABLE);
  const known = new Set([...Object.keys(optionsSchema.shape), ...REPEATABLE]);
  for (const name of Object.keys(args.values)) if (!known.has(name)) throw new UsageError(`unknown option --${name}`);
  const result = optionsSchema.safeParse(args.values);
  if (!result.success) throw new UsageError(result.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  const o = result.data;
  const keepInfra = args.flags.has('keep-infra');
  const given = [o['pg-port'], o['redis-port'], o['kafka-port'], o['kafka-controller-port']];
  if (given.some((p) => p !== undefined) && given.some((p) => p === undefined)) {
    throw new UsageError('give all four of --pg-port, --redis-port, --kafka-port and --kafka-controller-port, or none');
  }
  const [postgres, redis, kafka, kafkaController] = given;
  const ports =
    postgres !== undefined && redis !== undefined && kafka !== undefined && kafkaController !== undefined
      ? { postgres, redis, kafka, kafkaController }
      : keepInfra
        ? CHAOS_PORTS
        : null;
  const problems = ports ? portProblems(ports) : [];
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const help = args.flags.has('help');
  const list = args.flags.has('list');
  let scenario: ChaosScenario | null = null;
  if (!help && !list) {
    const [name, ...rest] = args.positional;
    if (name === undefined || rest.length > 0) throw new UsageError('give exactly one scenario; --list shows them');
    const found = findChaosScenario(name);
    if (!found) throw new UsageError(`no chaos scenario "${name}" (known: ${CHAOS_SCENARIOS.map((s) => s.name).join(', ')})`);
    scenario = o.rate === undefined ? found : withRate(found, o.rate);
  }
  const ci = args.flags.has('ci');
  return {
    help,
    list,
    scenario,
    dataDir: o['infra-dir'] ?? (keepInfra ? CHAOS_DATA_DIR : null),
    ports,
    keepInfra,
    ci,
    out: o.out,
    ...(o.report ? { report: o.report } : {}),
    appEnv: parseAppEnv(args.repeated['app-env'] ?? []),
    appLogLevel: o['app-log-level'],
    progress: o.progress ?? (ci || !process.stderr.isTTY ? 'lines' : 'tty'),
  };
}
