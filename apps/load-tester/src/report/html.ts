// The self-contained HTML report: tables and inline SVG charts drawn from the JSON result.
import type { HistogramSummary } from '../measure/histogram';
import type { RunResult } from './result';
import { ceilingRatios, cpuPerMessageLine, mib, ms, msPerMessage, num, percent, STAGE_NAMES } from './summary';
import { ChartSeries, escapeXml, lineChart } from './svg';

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1100px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; } th, td { padding: 4px 10px; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f6f6f6; font-weight: 600; }
.verdict { padding: 10px 14px; border-radius: 6px; margin: 12px 0; } .pass { background: #e7f6e7; border: 1px solid #9c9; } .fail { background: #fbe9e9; border: 1px solid #d99; }
.muted { color: #666; } .bad { color: #b00; font-weight: 600; } code { background: #f3f3f3; padding: 1px 4px; border-radius: 3px; }
svg.chart { width: 100%; max-width: 900px; height: auto; display: block; margin: 8px 0 20px; }
svg .title { font-size: 14px; font-weight: 600; } svg .axis { font-size: 11px; fill: #555; } svg .legend { font-size: 11px; fill: #333; }
svg .grid { stroke: #eee; } svg .frame { fill: none; stroke: #bbb; }
`;

export function htmlTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<table>${head}${body}</table>`;
}

const e = escapeXml;

function latencyCells(h: HistogramSummary): string[] {
  return [num(h.count), ms(h.p50), ms(h.p90), ms(h.p99), ms(h.p999), ms(h.max)].map(e);
}

/** A report built on this one (fault injection) gives its own title and sections that follow the verdict. */
export interface ReportExtras {
  readonly title?: string;
  readonly afterVerdict?: readonly string[];
}

export function htmlReport(result: RunResult, extras: ReportExtras = {}): string {
  const title = extras.title ?? 'Sluice load test';
  const a = result.analysis;
  const t0 = result.loadStartedAt;
  const sec = (t: number): number => (t - t0) / 1_000;
  const secondsFormat = (v: number): string => `${Math.round(v)} s`;
  const sections: string[] = [];

  sections.push(`<h1>${e(title)}: ${e(result.scenario.name)}</h1>`);
  sections.push(`<p class="muted">${e(result.scenario.description)}</p>`);
  sections.push(
    `<p class="muted">Run ${e(result.runId)}, ${e(result.startedAt)} → ${e(result.finishedAt)}. Machine: ${result.machine.cpus} × ${e(result.machine.cpuModel)}, ` +
      `${result.machine.memoryGiB} GiB, ${e(result.machine.os)}, Node ${e(result.machine.node)}; load average ${result.machine.loadAverageAtStart.join(' ')} at the start, ` +
      `${result.machine.loadAverageAtEnd.join(' ')} at the end (other work shares the machine; figures are lower bounds). ` +
      `Platform ${result.target.startedByHarness ? 'started by the harness' : `at ${e(result.target.gatewayUrl)}`}.</p>`,
  );
  sections.push(
    result.verdict.ok
      ? `<div class="verdict pass"><b>PASS</b>: nothing lost, nothing duplicated, every quota held.</div>`
      : `<div class="verdict fail"><b>FAIL</b><ul>${result.verdict.failures.map((f) => `<li>${e(f)}</li>`).join('')}</ul></div>`,
  );
  sections.push(...(extras.afterVerdict ?? []));

  sections.push('<h2>Summary</h2>');
  sections.push(
    htmlTable(
      ['measure', 'value'],
      [
        ['accounts / numbers / brands / quotas checked', `${num(result.sizes.accounts)} / ${num(result.sizes.numbers)} / ${num(result.sizes.brands)} / ${num(result.sizes.quotas)}`],
        ['requests sent / accepted (202)', `${num(result.load.requests)} / ${num(result.load.accepted)}`],
        ['messages accepted (units)', `${num(a.accepted)} (${num(a.acceptedUnits)})`],
        ['accepted requests per second (arrival phases)', num(result.load.acceptedPerSecond)],
        ['arrivals / drain', `${num(result.load.arrivalSeconds, 1)} s / ${num(result.drain.seconds, 1)} s${result.drain.timedOut ? ' <span class="bad">(timed out)</span>' : ''}`],
        ['HTTP outcomes', e(Object.entries(result.load.outcomes).map(([k, n]) => `${k}: ${num(n)}`).join(', '))],
        ['final states', e(Object.entries(a.states).map(([k, n]) => `${k} ${num(n)}`).join(', '))],
        ['message error codes', e(Object.entries(a.errorCodes).map(([k, n]) => `${k}: ${num(n)}`).join(', '))],
        ['lost (accepted, not final after the drain)', a.lost.count > 0 ? `<span class="bad">${num(a.lost.count)}</span>` : '0'],
        ['duplicate submissions at the carrier', `${num(a.duplicates.extraSubmissions)}${a.simulatorDuplicates ? ` (simulator's own count: ${num(a.simulatorDuplicates.extraSubmissions)})` : ''}`],
        ['carrier submissions accepted / throttled / rejected', `${num(a.carrier.accepted)} / ${num(a.carrier.throttled)} / ${num(a.carrier.rejected)}`],
        ['expired (420) / reached the carrier after expiry / charged', `${num(a.expiry.expired)} / ${num(a.expiry.submittedAfterExpiry)} / ${num(a.expiry.expiredCharged)}`],
        ['failed at a daily cap (480/481) / charged', `${num(a.tmobileCap.failed)} / ${num(a.tmobileCap.charged)}`],
        ['callbacks owed / missing / duplicated / unexpected', `${num(a.callbacks.owed)} / ${num(a.callbacks.missing)} / ${num(a.callbacks.duplicated)} / ${num(a.callbacks.unexpected)}`],
        ['quota violations', num(a.quotas.filter((q) => q.violation).length)],
      ],
    ),
  );

  sections.push('<h2>Arrival phases</h2>');
  sections.push(
    htmlTable(
      ['phase', 'target/s', 'accepted/s', 'accepted', 'HTTP p50', 'p99', 'max', 'non-202', 'backlog after', 'accept → carrier p90', 'accept → final callback p50', 'p99', 'verdict'],
      result.phases.map((p) => [
        e(p.name),
        num(p.targetRate),
        num(p.acceptedPerSecond),
        num(p.accepted),
        ms(p.http.p50),
        ms(p.http.p99),
        ms(p.http.max),
        num(p.scheduled - p.accepted),
        num(p.backlogAtEnd),
        p.acceptToSubmit ? ms(p.acceptToSubmit.p90) : '–',
        p.acceptToFinalCallback ? ms(p.acceptToFinalCallback.p50) : '–',
        p.acceptToFinalCallback ? ms(p.acceptToFinalCallback.p99) : '–',
        p.sustainable === null ? '' : p.sustainable ? 'sustainable' : `<span class="bad">not sustainable</span> <span class="muted">${e(p.why ?? '')}</span>`,
      ]),
    ),
  );
  if (result.search) sections.push(`<p>Highest sustainable rate (${e(result.search.kind)}): <b>${num(result.search.maxSustainableRate)}</b> requests/s.</p>`);

  if (result.ceilings.length > 0) {
    sections.push('<h2>Same-run ceilings</h2>');
    sections.push(
      htmlTable(
        ['ceiling', 'rate', 'how', 'accepted/s ÷ ceiling'],
        ceilingRatios(result).map((c) => [e(c.name), `${num(c.rate)} ${e(c.unit)}`, `<span class="muted">${e(result.ceilings.find((x) => x.name === c.name)?.how ?? '')}</span>`, percent(c.ratio)]),
      ),
    );
  }

  sections.push('<h2>Load and backlog</h2>');
  const load = result.timelines.load;
  sections.push(
    lineChart(
      [
        { name: 'sent', points: load.map((s) => [sec(s.t), s.sent]), step: true },
        { name: 'accepted (202)', points: load.map((s) => [sec(s.t), s.accepted]), step: true },
        { name: 'failed', points: load.map((s) => [sec(s.t), s.failed]), step: true, color: '#d62728' },
      ],
      { title: 'Requests per second', xLabel: 'time since the load began', yLabel: 'requests/s', xFormat: secondsFormat },
    ),
  );
  const backlog = result.timelines.backlog;
  sections.push(
    lineChart(
      [
        { name: 'queued', points: backlog.map((s) => [sec(s.t), s.queued]) },
        { name: 'sent, awaiting receipt', points: backlog.map((s) => [sec(s.t), s.sent]) },
        { name: 'final', points: backlog.map((s) => [sec(s.t), s.final]) },
      ],
      { title: 'Backlog: messages by state (Postgres)', xLabel: 'time since the load began', yLabel: 'messages', xFormat: secondsFormat },
    ),
  );
  sections.push(
    lineChart([{ name: 'accepted by the carrier', points: result.timelines.carrierPerSecond.map((s) => [sec(s.t), s.count]), step: true }], {
      title: 'Carrier submissions per second (simulator record)',
      xLabel: 'time since the load began',
      yLabel: 'submissions/s',
      xFormat: secondsFormat,
    }),
  );

  sections.push('<h2>Quotas</h2>');
  sections.push(
    `<p class="muted">Each chart shows, for each moment t, the fullest window [t, t + window) of carrier arrivals under the quota, against its limit (dashed). ` +
      `Counted from the carrier-simulator's record of arrival times; a line above the limit is a violation.</p>`,
  );
  for (const q of result.timelines.quotas) {
    const points = q.points.map((p) => [sec(p.t), p.count] as const);
    const series: ChartSeries[] = [
      { name: `fullest ${q.windowMs >= 60_000 ? `${q.windowMs / 60_000} min` : `${q.windowMs / 1_000} s`} window`, points, step: true },
      { name: `limit ${num(q.limit)}`, points: [[points[0]?.[0] ?? 0, q.limit], [points[points.length - 1]?.[0] ?? 1, q.limit]], color: '#d62728', dashed: true },
    ];
    sections.push(lineChart(series, { title: q.label, xLabel: 'time since the load began', yLabel: 'units in window', xFormat: secondsFormat, yMax: Math.max(q.limit, ...q.points.map((p) => p.count)) * 1.15 }));
  }
  const quotaRows = [...a.quotas]
    .sort((x, y) => Number(Boolean(y.violation)) - Number(Boolean(x.violation)) || Number(y.backlogged) - Number(x.backlogged) || y.total / y.limit - x.total / x.limit)
    .slice(0, 40);
  sections.push(
    htmlTable(
      ['quota', 'group', 'limit', 'demand', 'sent', 'max in window', 'utilisation of what the quotas allowed (backlogged)', 'utilisation against the quota alone', 'drain: first acceptance → last at the carrier', 'latest beyond what the quota required', 'check'],
      quotaRows.map((q) => [
        e(q.label),
        e(q.group),
        num(q.limit),
        num(q.demand),
        num(q.total),
        num(q.maxInWindow),
        q.backlogged ? percent(q.utilisation) : '',
        q.backlogged ? percent(q.utilisationAlone) : '',
        q.backlogged && Number.isFinite(q.drainMs) ? `${(q.drainMs / 1_000).toFixed(1)} s` : '',
        q.backlogged ? `${(q.beyondQuota.maxMs / 1_000).toFixed(1)} s (${num(q.beyondQuota.overOneSecond)} over 1 s)` : '',
        q.violation ? `<span class="bad">${e(q.violation)}</span>` : 'ok',
      ]),
    ),
  );
  if (a.quotas.length > quotaRows.length) sections.push(`<p class="muted">${num(a.quotas.length - quotaRows.length)} more quotas in the JSON result.</p>`);

  sections.push('<h2>Latency by stage</h2>');
  sections.push(
    htmlTable(
      ['stage', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'],
      Object.entries(a.stages).map(([k, h]) => [e(STAGE_NAMES[k] ?? k), ...latencyCells(h)]),
    ),
  );
  sections.push(
    lineChart(
      Object.entries(result.cdfs).map(([k, points]) => ({ name: STAGE_NAMES[k] ?? k, points: points.map((p) => [Math.max(p.value, 0.01), p.fraction * 100] as const), step: true })),
      { title: 'Latency CDFs', xLabel: 'milliseconds (log scale)', yLabel: '% at or below', xLog: true, yMax: 100, xFormat: (v) => (v >= 1_000 ? `${v / 1_000} s` : `${v}`) },
    ),
  );
  sections.push(
    `<p class="muted">HTTP latency is measured from each request's scheduled departure (open model, no coordinated omission). ` +
      `Accept → carrier includes the time a message waits for its quotas, so in paced scenarios it shows the backlog, not overhead.</p>`,
  );

  sections.push('<h2>Processes</h2>');
  sections.push(
    htmlTable(
      ['process', 'pid', 'CPU avg (% of a core)', 'CPU peak', 'CPU seconds', 'CPU ms per message', 'RSS start', 'RSS end', 'RSS peak'],
      result.processes.map((p) => [e(p.name), String(p.pid), num(p.cpuAvgPercent), num(p.cpuPeakPercent), num(p.cpuSeconds, 1), msPerMessage(p.cpuMsPerMessage), mib(p.rssStartBytes), mib(p.rssEndBytes), mib(p.rssPeakBytes)]),
    ),
  );
  const cpuLine = cpuPerMessageLine(result);
  if (cpuLine) sections.push(`<p>${e(cpuLine)}</p>`);
  sections.push(
    lineChart(
      Object.entries(result.timelines.processes).map(([name, samples]) => ({ name, points: samples.map((s) => [sec(s.t), s.cpuPercent] as const) })),
      { title: 'CPU per process (% of one core)', xLabel: 'time since the load began', yLabel: '% CPU', xFormat: secondsFormat },
    ),
  );
  sections.push(
    lineChart(
      Object.entries(result.timelines.processes).map(([name, samples]) => ({ name, points: samples.map((s) => [sec(s.t), s.rssBytes / 1_048_576] as const) })),
      { title: 'Resident memory per process', xLabel: 'time since the load began', yLabel: 'MiB', xFormat: secondsFormat },
    ),
  );

  sections.push('<h2>Scenario</h2>');
  sections.push(`<pre>${e(JSON.stringify(result.scenario, null, 2))}</pre>`);

  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(title)}: ${e(result.scenario.name)}</title><style>${STYLE}</style></head><body>${sections.join('\n')}</body></html>\n`;
}
