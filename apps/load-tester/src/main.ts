// `npm run loadtest -- <scenario> [options]`: runs a scenario, prints the summary, writes the
// JSON result and the HTML report, and exits non-zero when the run found a problem.
import { httpEnv, setCpuScheduling } from '@sluice/config';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cliOptions, USAGE, UsageError } from './cli';
import type { HarnessOptions } from './platform/harness';
import { infrastructurePids } from './platform/process-stats';
import { htmlReport } from './report/html';
import { summaryText } from './report/summary';
import { runLoadTest } from './run';
import { listScenarios, loadScenario, resolveScenarioPath, scaleScenario, ScenarioError } from './scenario/scenario';
import { twoWayHtml, twoWaySummary } from './two-way/two-way-report';
import { runTwoWay } from './two-way/two-way-run';
import { isTwoWay, parseTwoWayScenario, scaleTwoWay } from './two-way/two-way-scenario';

const write = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function main(): Promise<number> {
  const options = cliOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.list) {
    for (const name of listScenarios(options['scenario-dir'])) {
      const document = readScenarioDocument(name, options['scenario-dir']);
      const description = isTwoWay(document) ? parseTwoWayScenario(document, name).description : loadScenario(name, options['scenario-dir']).description;
      process.stdout.write(`${name.padEnd(22)} ${description}\n`);
    }
    return 0;
  }
  applyOwnCpuScheduling();
  // cliOptions makes sure a run has its one scenario.
  const scenarioName = options.scenario ?? '';
  if (isTwoWay(readScenarioDocument(scenarioName, options['scenario-dir']))) return twoWay(options, scenarioName);
  const scenario = scaleScenario(loadScenario(scenarioName, options['scenario-dir']), options.scale, options['rate-scale']);
  const outDir = resolve(options.out);
  const result = await runLoadTest({
    ...harnessOptions(options, outDir),
    scenario,
    resetSimulator: options.resetSimulator,
    watch: [...options.watch, ...(options['infra-dir'] ? infrastructurePids(resolve(options['infra-dir'])) : [])],
    ceilings: options.ceilings,
    progress: options.progress,
    onRaw: options.raw
      ? (raw) => {
          mkdirSync(outDir, { recursive: true });
          writeFileSync(join(outDir, `${scenario.name}-raw.json`), JSON.stringify(raw));
        }
      : undefined,
  });
  return writeResult(outDir, scenario.name, result, htmlReport(result), summaryText(result), options.report);
}

/**
 * The load generator runs under the scheduling policy the apps it starts use by default
 * (CPU_SCHEDULING from its own environment, `batch` unless set), so that on a machine shared
 * with the platform neither side preempts the other on every request.
 */
function applyOwnCpuScheduling(): void {
  const given = process.env['CPU_SCHEDULING'];
  const policy = httpEnv.shape.CPU_SCHEDULING.safeParse(given);
  if (!policy.success) throw new UsageError(`CPU_SCHEDULING=${given ?? ''}: ${policy.error.issues[0]?.message ?? 'not valid'}`);
  const refused = setCpuScheduling(policy.data);
  if (refused !== null) write(`CPU_SCHEDULING=${policy.data} not applied to the load generator: ${refused}`);
}

/**
 * The options every kind of run takes from the command line. Ctrl-C or SIGTERM stops what the
 * run started (it hands over how through `onCleanup`) and exits 130.
 */
function harnessOptions(options: ReturnType<typeof cliOptions>, outDir: string): HarnessOptions {
  let cleanup: (() => Promise<void>) | null = null;
  const interrupt = (signal: NodeJS.Signals): void => {
    write(`\n${signal}: stopping what the harness started`);
    void (cleanup ?? (async () => undefined))().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  return {
    startPlatform: options.startPlatform,
    gatewayUrl: options['gateway-url'],
    simulatorUrl: options['simulator-url'],
    databaseUrl: options['database-url'],
    redisUrl: options['redis-url'],
    kafkaBrokers: options['kafka-brokers'],
    receiverHost: options['receiver-host'],
    receiverPort: options['receiver-port'],
    receiverUrl: options['receiver-url'],
    logDir: join(outDir, 'logs'),
    appLogLevel: options['app-log-level'],
    extraEnv: options.appEnv,
    log: write,
    onCleanup: (fn) => {
      cleanup = fn;
    },
  };
}

/** Writes the JSON result and the HTML report (also to `report` when given), prints the summary, and answers the exit code. */
function writeResult(
  outDir: string,
  scenarioName: string,
  result: { readonly runId: string; readonly verdict: { readonly ok: boolean } },
  html: string,
  summary: string,
  report: string | undefined,
): number {
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `${scenarioName}-${result.runId}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 1)}\n`);
  writeFileSync(`${base}.html`, html);
  if (report) {
    mkdirSync(dirname(resolve(report)), { recursive: true });
    writeFileSync(resolve(report), html);
  }
  process.stdout.write(`\n${summary}\n\nresult: ${base}.json\nreport: ${base}.html${report ? ` and ${resolve(report)}` : ''}\n`);
  return result.verdict.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof ScenarioError) {
      write(`${error.message}\n\n${error instanceof UsageError ? USAGE : ''}`);
      process.exit(64);
    }
    write(`load test could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);

function readScenarioDocument(nameOrPath: string, scenarioDir: string): unknown {
  const path = resolveScenarioPath(nameOrPath, scenarioDir);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error: unknown) {
    throw new ScenarioError(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A two-way scenario: MO in at the carrier, Message URL, Message XML replies out. */
async function twoWay(options: ReturnType<typeof cliOptions>, scenarioName: string): Promise<number> {
  const path = resolveScenarioPath(scenarioName, options['scenario-dir']);
  const scenario = scaleTwoWay(parseTwoWayScenario(readScenarioDocument(path, options['scenario-dir']), path), options.scale);
  const outDir = resolve(options.out);
  const result = await runTwoWay({ ...harnessOptions(options, outDir), scenario });
  return writeResult(outDir, scenario.name, result, twoWayHtml(result), twoWaySummary(result), options.report);
}

