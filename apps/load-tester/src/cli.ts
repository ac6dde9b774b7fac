// Command-line options (with environment fallbacks), validated once with readable sentences.
import { z } from '@sluice/config';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from './platform/launcher';
import type { WatchedProcess } from './platform/process-stats';

export const USAGE = `Usage: npm run loadtest -- <scenario> [options]      (scenario: a name in loadtest/scenarios, or a path)

Target (one of):
  --start-platform             start the five built apps as child processes (needs --database-url,
                               --redis-url, --kafka-brokers; run "npm run build" first)
  --gateway-url URL            an already running platform  [LOADTEST_GATEWAY_URL]
  --simulator-url URL          its carrier-simulator HTTP API  [LOADTEST_SIMULATOR_URL]
Infrastructure:
  --database-url URL           Postgres of the platform (accounts are created there)  [DATABASE_URL]
  --redis-url URL              for --start-platform and the Redis ceiling  [REDIS_URL]
  --kafka-brokers LIST         for --start-platform and the Kafka ceiling  [KAFKA_BROKERS]
Options:
  --reset-simulator            forget the simulator's record first (never on a shared simulator)
  --receiver-host HOST         where the callback receiver listens (127.0.0.1)
  --receiver-port N            its port (0: any free port)
  --receiver-url URL           the callback url given to the platform (http://HOST:PORT/status)
  --pid NAME=PID               also sample this process's CPU and memory; NAME=PID+ adds its children
  --infra-dir DIR              sample the Postgres, Redis and Kafka of deploy/local/infra.sh (its SLUICE_DATA_DIR)
  --ceilings | --no-ceilings   measure the same-run ceilings (default: as the scenario says)
  --scale F                    multiply every phase's duration by F (0.1 for a quick look)
  --rate-scale F               multiply every phase's rate by F (steady at 200/s: --rate-scale 2)
  --out DIR                    where the JSON result and the HTML report go (tmp/loadtest)
  --report PATH                also write the HTML report to PATH (e.g. docs/loadtest-pacing.html)
  --app-env APP:KEY=VALUE      extra environment for a started app (repeatable)
  --app-log-level LEVEL        LOG_LEVEL of started apps (warn)
  --progress tty|lines|off     progress display (tty when stderr is a terminal, else lines)
  --raw                        also write every record (messages, submissions, callbacks) to <out>/<scenario>-raw.json
  --list                       list the scenarios
Exit codes: 0 pass, 1 the run found a loss, a duplicate, a quota violation or another failed check,
            2 the harness could not run, 64 bad usage.`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FLAGS = new Set(['start-platform', 'reset-simulator', 'ceilings', 'no-ceilings', 'list', 'help', 'raw']);
const REPEATABLE = new Set(['pid', 'app-env']);

export interface ParsedArgs {
  readonly positional: string[];
  readonly values: Record<string, string>;
  readonly repeated: Record<string, string[]>;
  readonly flags: Set<string>;
}

/** `flags` take no value; `repeatable` options may be given several times. */
export function parseArgs(argv: readonly string[], flags: ReadonlySet<string> = FLAGS, repeatable: ReadonlySet<string> = REPEATABLE): ParsedArgs {
  const parsed: ParsedArgs = { positional: [], values: {}, repeated: {}, flags: new Set() };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      parsed.positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (flags.has(name)) {
      parsed.flags.add(name);
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (inline === undefined) i += 1;
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (repeatable.has(name)) parsed.repeated[name] = [...(parsed.repeated[name] ?? []), value];
    else parsed.values[name] = value;
  }
  return parsed;
}

const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a ${protocols.join(' or ')}// URL`);

const optionsSchema = z.object({
  'gateway-url': url(['http:', 'https:']).optional(),
  'simulator-url': url(['http:', 'https:']).optional(),
  'database-url': url(['postgres:', 'postgresql:'], ),
  'redis-url': url(['redis:', 'rediss:']).optional(),
  'kafka-brokers': z.string().regex(/^[\w.-]+:\d{1,5}(,[\w.-]+:\d{1,5})*$/, 'must be host:port[,host:port…]').optional(),
  'receiver-host': z.string().min(1).default('127.0.0.1'),
  'receiver-port': z.coerce.number().int().min(0).max(65_535).default(0),
  'receiver-url': url(['http:', 'https:']).optional(),
  'infra-dir': z.string().min(1).optional(),
  scale: z.coerce.number().positive('must be a positive number').default(1),
  'rate-scale': z.coerce.number().positive('must be a positive number').default(1),
  out: z.string().min(1).default(join(WORKSPACE_ROOT, 'tmp', 'loadtest')),
  report: z.string().min(1).optional(),
  'app-log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  progress: z.enum(['tty', 'lines', 'off']).default(process.stderr.isTTY ? 'tty' : 'lines'),
  'scenario-dir': z.string().min(1).default(join(WORKSPACE_ROOT, 'loadtest', 'scenarios')),
});

export type CliOptions = z.output<typeof optionsSchema> & {
  readonly scenario: string | null;
  readonly startPlatform: boolean;
  readonly resetSimulator: boolean;
  readonly ceilings: boolean | null;
  readonly list: boolean;
  readonly help: boolean;
  readonly raw: boolean;
  readonly watch: WatchedProcess[];
  readonly appEnv: Record<string, Record<string, string>>;
};

const ENV_FALLBACKS: Record<string, string> = {
  'gateway-url': 'LOADTEST_GATEWAY_URL',
  'simulator-url': 'LOADTEST_SIMULATOR_URL',
  'database-url': 'DATABASE_URL',
  'redis-url': 'REDIS_URL',
  'kafka-brokers': 'KAFKA_BROKERS',
};

/** `--app-env APP:KEY=VALUE` options, by app. */
export function parseAppEnv(specs: readonly string[]): Record<string, Record<string, string>> {
  const appEnv: Record<string, Record<string, string>> = {};
  for (const spec of specs) {
    const match = /^([a-z-]+):([A-Z0-9_]+)=(.*)$/s.exec(spec);
    if (!match) throw new UsageError(`--app-env ${spec}: must be APP:KEY=VALUE (e.g. carrier-dispatch:SMPP_WINDOW=100)`);
    const [, app = '', key = '', value = ''] = match;
    appEnv[app] = { ...(appEnv[app] ?? {}), [key]: value };
  }
  return appEnv;
}

export function cliOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  const args = parseArgs(argv);
  const help = args.flags.has('help');
  const list = args.flags.has('list');
  const values: Record<string, string | undefined> = { ...args.values };
  for (const [flag, variable] of Object.entries(ENV_FALLBACKS)) values[flag] ??= env[variable];
  const known = new Set([...Object.keys(optionsSchema.shape), ...REPEATABLE]);
  for (const name of Object.keys(args.values)) if (!known.has(name)) throw new UsageError(`unknown option --${name}`);
  if (help || list) values['database-url'] ??= 'postgres://unused/unused';
  const result = optionsSchema.safeParse(values);
  if (!result.success) {
    throw new UsageError(result.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}${i.path[0] === 'database-url' && !values['database-url'] ? ' (or set DATABASE_URL)' : ''}`).join('\n'));
  }
  const watch = (args.repeated['pid'] ?? []).map((spec) => {
    const match = /^([\w.-]+)=(\d+)(\+?)$/.exec(spec);
    if (!match) throw new UsageError(`--pid ${spec}: must be NAME=PID or NAME=PID+`);
    const [, name = '', pid, tree] = match;
    return { name, pid: Number(pid), tree: tree === '+' };
  });
  const appEnv = parseAppEnv(args.repeated['app-env'] ?? []);
  const startPlatform = args.flags.has('start-platform');
  if (!help && !list) {
    if (args.positional.length !== 1) throw new UsageError('give exactly one scenario (a name or a path); --list shows them');
    if (!startPlatform && (!result.data['gateway-url'] || !result.data['simulator-url'])) {
      throw new UsageError('give --gateway-url and --simulator-url for a running platform, or --start-platform');
    }
    if (startPlatform && (!result.data['redis-url'] || !result.data['kafka-brokers'])) {
      throw new UsageError('--start-platform needs --redis-url and --kafka-brokers (or REDIS_URL and KAFKA_BROKERS)');
    }
  }
  return {
    ...result.data,
    scenario: args.positional[0] ?? null,
    startPlatform,
    resetSimulator: args.flags.has('reset-simulator'),
    ceilings: args.flags.has('no-ceilings') ? false : args.flags.has('ceilings') ? true : null,
    list,
    help,
    raw: args.flags.has('raw'),
    watch,
    appEnv,
  };
}
