// `npm run chaos -- <scenario> [options]`: a fault-injection run; prints the faults with their
// recovery and the load test's summary, writes the JSON result and the HTML report, and exits
// non-zero when a message was lost or stuck, duplicated beyond the allowance, or a quota went over.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../cli';
import { APP_NAMES, WORKSPACE_ROOT } from '../platform/launcher';
import { chaosOptions, CHAOS_USAGE } from './chaos-cli';
import { CHAOS_DATA_DIR } from './chaos-infra';
import { chaosHtmlReport, chaosSummaryText } from './chaos-report';
import { runChaos } from './chaos-run';
import { CHAOS_SCENARIOS, faultSchedule } from './chaos-scenarios';

const write = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The end of each app's log, for a CI job whose artefacts may not be kept. */
function printLogTails(logDir: string): void {
  for (const app of APP_NAMES) {
    const path = join(logDir, `${app}.log`);
    if (!existsSync(path)) continue;
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').slice(-15);
    write(`\n--- last lines of ${path} ---\n${lines.join('\n')}`);
  }
}

async function main(): Promise<number> {
  const options = chaosOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${CHAOS_USAGE}\n`);
    return 0;
  }
  if (options.list) {
    for (const scenario of CHAOS_SCENARIOS) {
      const minutes = (faultSchedule(scenario).trafficSeconds / 60).toFixed(1);
      process.stdout.write(`${scenario.name.padEnd(22)} ${scenario.description} (${minutes} min of traffic at ${scenario.rate}/s)\n`);
    }
    return 0;
  }
  const scenario = options.scenario;
  if (!scenario) throw new UsageError('give exactly one scenario; --list shows them');
  const outDir = resolve(options.out);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
  const logDir = join(outDir, 'logs', `${scenario.name}-${stamp}`);
  const dataDir = resolve(options.dataDir ?? join(WORKSPACE_ROOT, 'tmp', 'chaos', `infra-${stamp}-${process.pid}`));
  let cleanup: (() => Promise<void>) | null = null;
  const interrupt = (signal: NodeJS.Signals): void => {
    write(`\n${signal}: stopping what the suite started`);
    void (cleanup ?? (async () => undefined))().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const failed = (): void => {
    if (options.ci) printLogTails(logDir);
  };
  const result = await runChaos({
    scenario,
    logDir,
    dataDir,
    ports: options.ports,
    keepInfra: options.keepInfra,
    deleteData: options.dataDir === null || dataDir === CHAOS_DATA_DIR,
    appLogLevel: options.appLogLevel,
    extraEnv: options.appEnv,
    progress: options.progress,
    log: write,
    onCleanup: (fn) => {
      cleanup = fn;
    },
  }).catch((error: unknown) => {
    failed();
    throw error;
  });

  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `chaos-${scenario.name}-${result.runId}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 1)}\n`);
  const html = chaosHtmlReport(result);
  writeFileSync(`${base}.html`, html);
  if (options.report) {
    mkdirSync(dirname(resolve(options.report)), { recursive: true });
    writeFileSync(resolve(options.report), html);
  }
  process.stdout.write(`\n${chaosSummaryText(result)}\n\nresult: ${base}.json\nreport: ${base}.html${options.report ? ` and ${resolve(options.report)}` : ''}\n`);
  if (!result.verdict.ok) failed();
  return result.verdict.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      write(`${error.message}\n\n${CHAOS_USAGE}`);
      process.exit(64);
    }
    write(`the fault-injection run could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
