// A two-way run's summary (terminal) and self-contained HTML report, from its JSON result.
import type { HistogramSummary } from '../measure/histogram';
import { htmlTable } from '../report/html';
import { ms, num, table } from '../report/summary';
import { escapeXml } from '../report/svg';
import type { TwoWayResult } from './two-way-run';

const LEGS: ReadonlyArray<readonly [string, (r: TwoWayResult) => HistogramSummary]> = [
  ['MO at the carrier → Message URL', (r) => r.analysis.moToUrl],
  ['Message URL → reply at the carrier', (r) => r.analysis.urlToReply],
  ['round trip (MO → reply at the carrier)', (r) => r.analysis.roundTrip],
];

function latencyRow(name: string, h: HistogramSummary): string[] {
  return [name, num(h.count), ms(h.p50), ms(h.p90), ms(h.p99), ms(h.max)];
}

function countRows(result: TwoWayResult): string[][] {
  const a = result.analysis;
  return [
    ['MO injected', num(a.injected)],
    ['not sent by the simulator (no bind)', num(a.notSentBySimulator)],
    ['lost (never at a Message URL)', num(a.lost)],
    ['stored more than once', num(a.duplicateMessages)],
    ['Message URL requests sent again (at least once)', num(a.duplicateRequests)],
    ['unsigned requests', num(a.unsigned)],
    ...Object.entries(a.records).map(([state, n]) => [`records ${state}`, num(n)]),
    ['replies expected', num(a.repliesExpected)],
    ['replies missing at the carrier', num(a.repliesMissing)],
    ['replies at the carrier more than once', num(a.repliesDuplicated)],
  ];
}

export function twoWaySummary(result: TwoWayResult): string {
  const s = result.settings;
  const lines = [
    `two-way run ${result.runId}: ${result.scenario}`,
    `${s.accounts} accounts × ${s.numbersPerAccount} ${s.numberType} numbers, ${s.rate} MO/s for ${s.seconds} s (achieved ${result.achievedRate.toFixed(1)}/s), ` +
      `reply ratio ${s.replyRatio}, ${s.messageMethod} Message URL; drained in ${result.drainSeconds.toFixed(1)} s`,
    '',
    table(['count', ''], countRows(result)),
    '',
    table(['leg', 'n', 'p50', 'p90', 'p99', 'max'], LEGS.map(([name, pick]) => latencyRow(name, pick(result)))),
    '',
    result.verdict.ok ? 'PASS' : `FAIL:\n${result.verdict.failures.map((f) => `  - ${f}`).join('\n')}`,
  ];
  return lines.join('\n');
}

export function twoWayHtml(result: TwoWayResult): string {
  const e = escapeXml;
  const s = result.settings;
  const verdict = result.verdict.ok
    ? '<div class="verdict pass"><b>PASS</b>: every MO reached its Message URL once, every record is delivered, every reply reached the carrier once.</div>'
    : `<div class="verdict fail"><b>FAIL</b><ul>${result.verdict.failures.map((f) => `<li>${e(f)}</li>`).join('')}</ul></div>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sluice two-way load test: ${e(result.scenario)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#222}h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:right}th:first-child,td:first-child{text-align:left}th{background:#f6f6f6}
.verdict{padding:10px 14px;border-radius:6px;margin:12px 0}.pass{background:#e7f6e7;border:1px solid #9c9}.fail{background:#fbe9e9;border:1px solid #d99}.muted{color:#666}</style></head><body>
<h1>Sluice two-way load test: ${e(result.scenario)}</h1>
<p class="muted">run ${e(result.runId)}, ${e(result.startedAt)} – ${e(result.finishedAt)}</p>
<p>${e(result.description)}</p>
${verdict}
<h2>Traffic</h2>
${htmlTable(['setting', ''], [
  ['accounts × numbers', `${num(s.accounts)} × ${num(s.numbersPerAccount)} ${e(s.numberType)}`],
  ['accounts whose Application logs no incoming messages', num(s.privateAccounts)],
  ['MO rate (asked / achieved)', `${num(s.rate, 1)} / ${num(result.achievedRate, 1)} per s`],
  ['injection time', `${num(s.seconds, 1)} s`],
  ['Message URL method', e(s.messageMethod)],
  ['answered with Message XML', `${num(s.replyRatio * 100)} %`],
  ['drain', `${num(result.drainSeconds, 1)} s${result.drained ? '' : ' (timed out)'}`],
])}
<h2>What happened to each MO</h2>
${htmlTable(['count', ''], countRows(result).map((r) => r.map(e)))}
<h2>Latency of each leg</h2>
${htmlTable(['leg', 'n', 'p50', 'p90', 'p99', 'max'], LEGS.map(([name, pick]) => latencyRow(name, pick(result)).map(e)))}
<p class="muted">Times are taken by the harness: the simulator's 202 to the MO injection (the deliver_sm is written), the
receiver's arrival time, and the carrier's own arrival time of the reply's submit_sm.</p>
</body></html>
`;
}
