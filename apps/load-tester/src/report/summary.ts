// The end-of-run summary printed to the terminal: the same figures as the JSON, as tables.
import type { HistogramSummary } from '../measure/histogram';
import { HARNESS_POSTGRES } from '../platform/process-stats';
import type { RunResult } from './result';

export const num = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const ms = (n: number): string => (!Number.isFinite(n) ? '–' : n < 10 ? `${n.toFixed(1)} ms` : n < 10_000 ? `${Math.round(n)} ms` : `${(n / 1_000).toFixed(1)} s`);

export const percent = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(1)} %` : '–');

export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const STAGE_NAMES: Record<string, string> = {
  http: 'HTTP accept (202)',
  acceptToSubmit: 'accept → carrier',
  submitToReceipt: 'carrier → receipt in Postgres',
  receiptToCallback: 'receipt → callback received',
  acceptToFinalCallback: 'accept → final callback',
};

function latencyRow(name: string, h: HistogramSummary): string[] {
  return [name, num(h.count), ms(h.p50), ms(h.p90), ms(h.p99), ms(h.max)];
}

/** Ratios of the run's accept rate to the same-run ceilings. */
export function ceilingRatios(result: RunResult): Array<{ name: string; rate: number; unit: string; ratio: number }> {
  const accepted = result.search?.maxSustainableRate ?? result.load.acceptedPerSecond;
  return result.ceilings.map((c) => ({ name: c.name, rate: c.rate, unit: c.unit, ratio: accepted / c.rate }));
}

export function summaryText(result: RunResult): string {
  const a = result.analysis;
  const out: string[] = [];
  out.push(`Scenario ${result.scenario.name} (run ${result.runId}) on ${result.machine.cpus} × ${result.machine.cpuModel}, load average ${result.machine.loadAverageAtStart.join(' ')} → ${result.machine.loadAverageAtEnd.join(' ')}`);
  out.push(
    `${num(result.sizes.accounts)} accounts, ${num(result.sizes.numbers)} numbers, ${num(result.sizes.brands)} brands, ${num(result.sizes.quotas)} quotas checked; ` +
      `${num(result.load.requests)} requests over ${num(result.load.arrivalSeconds, 1)} s, drain ${num(result.drain.seconds, 1)} s`,
  );
  out.push('');
  out.push(
    table(
      ['phase', 'target/s', 'accepted/s', 'accepted', 'p50', 'p99', 'max', 'non-202', 'final callback p50', 'p99', 'backlog', 'verdict'],
      result.phases.map((p) => [
        p.name,
        num(p.targetRate),
        num(p.acceptedPerSecond),
        num(p.accepted),
        ms(p.http.p50),
        ms(p.http.p99),
        ms(p.http.max),
        num(p.scheduled - p.accepted),
        p.acceptToFinalCallback ? ms(p.acceptToFinalCallback.p50) : '–',
        p.acceptToFinalCallback ? ms(p.acceptToFinalCallback.p99) : '–',
        num(p.backlogAtEnd),
        p.sustainable === null ? '' : p.sustainable ? 'sustainable' : 'NOT sustainable',
      ]),
    ),
  );
  if (result.search) out.push(`highest sustainable rate (${result.search.kind}): ${num(result.search.maxSustainableRate)} requests/s`);
  out.push('');
  out.push(table(['latency', 'count', 'p50', 'p90', 'p99', 'max'], Object.entries(a.stages).map(([k, h]) => latencyRow(STAGE_NAMES[k] ?? k, h))));
  out.push('');
  const outcomes = Object.entries(result.load.outcomes).map(([k, n]) => `${k}: ${num(n)}`).join(', ');
  out.push(`HTTP outcomes: ${outcomes}`);
  out.push(`final states: ${Object.entries(a.states).map(([k, n]) => `${k} ${num(n)}`).join(', ')}; error codes: ${Object.entries(a.errorCodes).map(([k, n]) => `${k} ${num(n)}`).join(', ')}`);
  out.push(`lost: ${num(a.lost.count)}   duplicates at the carrier: ${num(a.duplicates.extraSubmissions)}${a.simulatorDuplicates ? ` (simulator: ${num(a.simulatorDuplicates.extraSubmissions)})` : ''}   carrier: accepted ${num(a.carrier.accepted)}, throttled ${num(a.carrier.throttled)}, rejected ${num(a.carrier.rejected)}`);
  out.push(`expiry: ${num(a.expiry.expired)} expired (420), ${num(a.expiry.submittedAfterExpiry)} sent after expiry   daily caps: ${num(a.tmobileCap.failed)} failed (480/481)   callbacks: owed ${num(a.callbacks.owed)}, missing ${num(a.callbacks.missing)}, duplicated ${num(a.callbacks.duplicated)}, unexpected ${num(a.callbacks.unexpected)}`);
  out.push('');
  const shown = [...a.quotas].sort((x, y) => Number(Boolean(y.violation)) - Number(Boolean(x.violation)) || Number(y.backlogged) - Number(x.backlogged) || y.total / y.limit - x.total / x.limit).slice(0, 15);
  out.push(
    table(
      ['quota', 'limit', 'demand', 'sent', 'max in window', 'utilisation', 'alone', 'drain', 'beyond quota', 'check'],
      shown.map((q) => [
        q.label,
        num(q.limit),
        num(q.demand),
        num(q.total),
        num(q.maxInWindow),
        q.backlogged ? percent(q.utilisation) : '',
        q.backlogged ? percent(q.utilisationAlone) : '',
        q.backlogged && Number.isFinite(q.drainMs) ? `${(q.drainMs / 1_000).toFixed(1)} s` : '',
        q.backlogged ? `${(q.beyondQuota.maxMs / 1_000).toFixed(1)} s` : '',
        q.violation ? 'VIOLATED' : 'ok',
      ]),
    ),
  );
  if (a.quotas.length > shown.length) out.push(`(${num(a.quotas.length - shown.length)} more quotas, all in the JSON result; ${num(a.quotas.filter((q) => q.violation).length)} violated in all)`);
  if (result.ceilings.length > 0) {
    out.push('');
    out.push(table(['same-run ceiling', 'rate', 'accepted/s ÷ ceiling'], ceilingRatios(result).map((c) => [c.name, `${num(c.rate)} ${c.unit}`, percent(c.ratio)])));
  }
  out.push('');
  out.push(
    table(
      ['process', 'CPU avg', 'CPU peak', 'CPU ms/msg', 'RSS start', 'RSS end', 'RSS peak'],
      result.processes.map((p) => [p.name, `${num(p.cpuAvgPercent)} %`, `${num(p.cpuPeakPercent)} %`, msPerMessage(p.cpuMsPerMessage), mib(p.rssStartBytes), mib(p.rssEndBytes), mib(p.rssPeakBytes)]),
    ),
  );
  const cpuLine = cpuPerMessageLine(result);
  if (cpuLine) out.push(cpuLine);
  out.push('');
  out.push(result.verdict.ok ? 'PASS: nothing lost, nothing duplicated, every quota held.' : `FAIL:\n${result.verdict.failures.map((f) => `  - ${f}`).join('\n')}`);
  return out.join('\n');
}

export const mib = (bytes: number): string => (Number.isFinite(bytes) ? `${Math.round(bytes / 1_048_576)} MiB` : '–');

/** CPU ms per message, to two decimals ("–" when unknown). */
export function msPerMessage(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '–' : ms.toFixed(2);
}

/** The platform's CPU a message, and Postgres's, with what the load tester's own queries took in Postgres (the harness's); null without figures. */
export function cpuPerMessageLine(result: RunResult): string | null {
  if (!result.cpuPerMessage) return null;
  const harness = result.processes.find((p) => p.name === HARNESS_POSTGRES);
  return (
    `CPU per message: platform ${msPerMessage(result.cpuPerMessage.platformMs)} ms (apps, Postgres, Redis, Kafka), of which Postgres ${msPerMessage(result.cpuPerMessage.postgresMs)} ms.` +
    (harness?.cpuMsPerMessage !== undefined ? ` The load tester's own queries took ${msPerMessage(harness.cpuMsPerMessage)} ms in Postgres, counted with the harness.` : '')
  );
}
