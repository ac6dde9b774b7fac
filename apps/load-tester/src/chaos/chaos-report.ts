// The fault-injection run as text and HTML: the faults with their recovery, then the load test's report.
import { htmlReport, htmlTable } from '../report/html';
import { num, summaryText, table } from '../report/summary';
import { escapeXml as e, lineChart } from '../report/svg';
import type { ChaosResult } from './chaos-run';
import type { FaultOutcome } from './recovery';

const seconds = (ms: number | null): string => (ms === null ? 'never' : `${(ms / 1_000).toFixed(1)} s`);
const at = (result: ChaosResult, t: number | null): string => (t === null ? '–' : `${num((t - result.loadStartedAt) / 1_000, 1)} s`);
const unready = (fault: FaultOutcome): string =>
  Object.entries(fault.unready)
    .map(([app, ms]) => `${app} ${(ms / 1_000).toFixed(1)} s`)
    .join(', ') || 'none';

function faultRows(result: ChaosResult): string[][] {
  return result.chaos.faults.map((f) => [
    f.name,
    at(result, f.injectedAt),
    at(result, f.restoredAt),
    unready(f),
    seconds(f.readyAfterMs),
    seconds(f.flowingAfterMs),
    seconds(f.callbacksAfterMs),
    seconds(f.settledAfterMs),
    seconds(f.recoveredAfterMs),
    `${num(f.carrierDuplicates)} / ${num(f.callbackDuplicates)}`,
    num(f.stuck),
    num(f.quotaViolations),
    num(f.supervisorRestarts),
    [f.poison ? `${f.poison.deadLettered ?? 'no topic'} of ${f.poison.records} dead-lettered` : '', f.problem ?? ''].filter(Boolean).join('; '),
  ]);
}

const HEADERS = ['fault', 'injected', 'restored', 'not ready', 'ready', 'new at carrier', 'new callbacks', 'in flight final', 'recovered', 'dup. carrier / callbacks', 'stuck', 'quota over', 'exits', 'notes'];

const beforeFaults = (result: ChaosResult): string =>
  `Before the first fault: ${num(result.chaos.beforeFaults.stuck)} messages stuck, ${num(result.chaos.beforeFaults.quotaViolations)} quota violations. ` +
  `Duplicates, stuck messages (by acceptance), quota violations (by the start of their fullest window) and exits (apps that exited by themselves and were ` +
  `started again, as a supervisor would) are listed under the last fault injected before them.` +
  (result.chaos.supervisorRestarts.length > 0
    ? ` Exits: ${result.chaos.supervisorRestarts.map((r) => `${r.app} (code ${r.code ?? 'none'}) at ${num((r.t - result.loadStartedAt) / 1_000, 1)} s`).join(', ')}.`
    : '');

export function chaosSummaryText(result: ChaosResult): string {
  const c = result.chaos;
  return [
    `Fault injection ${c.scenario.name}: ${c.scenario.description}; ${num(c.scenario.rate)} requests/s; infrastructure in ${c.infrastructure.dataDir}`,
    `Times are after the start of the traffic; recovery times count from the injection (bound ${c.scenario.recoverWithinSeconds} s).`,
    table(HEADERS, faultRows(result)),
    `Allowed duplicates: ${num(c.allowances.carrierDuplicates)} at the carrier, ${num(c.allowances.callbackDuplicates)} callbacks (${c.allowances.why}). ` +
      `Messages with more than one final state: ${num(c.multipleFinalStates.count)}.`,
    beforeFaults(result),
    '',
    summaryText(result),
  ].join('\n');
}

export function chaosHtmlReport(result: ChaosResult): string {
  const c = result.chaos;
  const t0 = result.loadStartedAt;
  const sec = (t: number): number => (t - t0) / 1_000;
  const carrier = result.timelines.carrierPerSecond;
  const peak = Math.max(1, ...carrier.map((p) => p.count), ...result.timelines.load.map((p) => p.accepted));
  const marks = c.faults.flatMap((f) => [[sec(f.injectedAt), 0], [sec(f.injectedAt), peak], [sec(f.injectedAt), 0]] as const);
  const apps = [...new Set(c.readiness.map((r) => r.app))];
  const readyCount: Array<readonly [number, number]> = [];
  const state = new Map<string, boolean>();
  for (const change of [...c.readiness].sort((a, b) => a.t - b.t)) {
    state.set(change.app, change.ready);
    readyCount.push([sec(change.t), [...state.values()].filter(Boolean).length]);
  }
  const section = [
    '<h2>Faults and recovery</h2>',
    `<p class="muted">${e(c.scenario.description)}. Sustained traffic of ${num(c.scenario.rate)} requests/s on the suite's own Postgres, Redis and Kafka ` +
      `(<code>${e(c.infrastructure.dataDir)}</code>, ports ${e(Object.values(c.infrastructure.ports).join(', '))}). Times are after the start of the traffic; ` +
      `each recovery time counts from the injection: <b>ready</b> every app answers <code>/health/ready</code> again; <b>new at carrier</b> the first message accepted after ` +
      `the injection reached the carrier; <b>new callbacks</b> its final callback arrived; <b>in flight final</b> every message accepted in the 30 s before the injection ` +
      `had its final callback; <b>recovered</b> the latest of the four ("never": not within ${c.scenario.recoverWithinSeconds} s). Only the unpaced accounts measure recovery.</p>`,
    htmlTable(HEADERS, faultRows(result).map((row) => row.map((cell) => (cell === 'never' ? '<span class="bad">never</span>' : e(cell))))),
    `<p>Duplicates allowed: ${num(c.allowances.carrierDuplicates)} at the carrier and ${num(c.allowances.callbackDuplicates)} callbacks (${e(c.allowances.why)}). ` +
      `Messages with more than one final state: ${num(c.multipleFinalStates.count)}. ${e(beforeFaults(result))}</p>`,
    lineChart(
      [
        { name: 'accepted by the carrier /s', points: carrier.map((p) => [sec(p.t), p.count] as const), step: true },
        { name: 'requests accepted (202) /s', points: result.timelines.load.map((p) => [sec(p.t), p.accepted] as const), step: true },
        { name: 'faults injected', points: marks, color: '#d62728' },
      ],
      { title: 'Throughput around the faults', xLabel: 'time since the traffic began', yLabel: 'per second', xFormat: (v) => `${Math.round(v)} s` },
    ),
    lineChart([{ name: `apps ready (of ${apps.length})`, points: readyCount, step: true }, { name: 'faults injected', points: marks.map(([x, y]) => [x, y > 0 ? apps.length : 0] as const), color: '#d62728' }], {
      title: 'Readiness (GET /health/ready, polled every 0.5 s)',
      xLabel: 'time since the traffic began',
      yLabel: 'apps ready',
      xFormat: (v) => `${Math.round(v)} s`,
      yMax: apps.length + 0.5,
    }),
  ];
  return htmlReport(result, { title: 'Sluice fault injection', afterVerdict: section });
}
