// Small inline-SVG line charts for the HTML report (no scripts, no external assets).

export interface ChartSeries {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly color?: string;
  readonly dashed?: boolean;
  /** Draw as steps (a value holds until the next point). */
  readonly step?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  readonly xLog?: boolean;
  readonly yMax?: number;
  readonly xFormat?: (value: number) => string;
  readonly yFormat?: (value: number) => string;
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22', '#d62728'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round tick values covering [min, max]: steps of 1, 2 or 5 × 10^k. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e += 1) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min && v <= max) ticks.push(v);
    }
  }
  return ticks;
}

const defaultFormat = (v: number): string => (Math.abs(v) >= 1_000 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : String(Math.round(v * 100) / 100));

/** Legend entries wrapped into rows of the chart's width. */
function legendRows(series: readonly ChartSeries[], width: number, left: number): Array<Array<{ s: ChartSeries; i: number; x: number; label: string }>> {
  const rows: Array<Array<{ s: ChartSeries; i: number; x: number; label: string }>> = [[]];
  let x = left;
  series.forEach((s, i) => {
    const label = s.name.length > 60 ? `${s.name.slice(0, 59)}…` : s.name;
    const w = 30 + label.length * 6.3;
    if (x + w > width - 8 && rows[rows.length - 1].length > 0) {
      rows.push([]);
      x = left;
    }
    rows[rows.length - 1].push({ s, i, x, label });
    x += w;
  });
  return rows;
}

export function lineChart(series: readonly ChartSeries[], options: ChartOptions): string {
  const width = options.width ?? 760;
  const rows = legendRows(series, width, 64);
  const margin = { top: 30, right: 16, bottom: 44 + rows.length * 16, left: 64 };
  const height = (options.height ?? 280) + rows.length * 16;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xFormat = options.xFormat ?? defaultFormat;
  const yFormat = options.yFormat ?? defaultFormat;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!options.xLog || x > 0));
  const title = `<text x="${margin.left}" y="18" class="title">${escapeXml(options.title)}</text>`;
  if (all.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" class="chart">${title}<text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="axis">no data</text></svg>`;
  }
  let xMin = Math.min(...all.map(([x]) => x));
  let xMax = Math.max(...all.map(([x]) => x));
  if (xMax === xMin) xMax = xMin + 1;
  if (options.xLog) {
    xMin = 10 ** Math.floor(Math.log10(xMin));
    xMax = 10 ** Math.ceil(Math.log10(xMax));
  }
  const yMax = options.yMax ?? Math.max(1, ...all.map(([, y]) => y)) * 1.08;
  const sx = (x: number): number =>
    margin.left + (options.xLog ? ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * plotW : ((x - xMin) / (xMax - xMin)) * plotW);
  const sy = (y: number): number => margin.top + plotH - (Math.min(y, yMax) / yMax) * plotH;

  const parts: string[] = [title];
  for (const t of niceTicks(0, yMax, 5)) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" class="axis">${escapeXml(yFormat(t))}</text>`);
  }
  const xTicks = options.xLog ? logTicks(xMin, xMax) : niceTicks(xMin, xMax, 8);
  for (const t of xTicks) {
    parts.push(`<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${margin.top}" y2="${margin.top + plotH}" class="grid"/>`);
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${margin.top + plotH + 16}" text-anchor="middle" class="axis">${escapeXml(xFormat(t))}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" class="frame"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 32}" text-anchor="middle" class="axis">${escapeXml(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis">${escapeXml(options.yLabel)}</text>`);

  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const points = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!options.xLog || x > 0));
    if (points.length === 0) return;
    let d = '';
    points.forEach(([x, y], j) => {
      const X = sx(x).toFixed(1);
      const Y = sy(y).toFixed(1);
      if (j === 0) d += `M${X} ${Y}`;
      else if (s.step) d += `H${X}V${Y}`;
      else d += `L${X} ${Y}`;
    });
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${escapeXml(s.name)}</title></path>`);
  });
  rows.forEach((row, r) => {
    const y = margin.top + plotH + 50 + r * 16;
    for (const { s, i, x, label } of row) {
      const color = s.color ?? PALETTE[i % PALETTE.length];
      parts.push(`<line x1="${x.toFixed(1)}" x2="${(x + 18).toFixed(1)}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
      parts.push(`<text x="${(x + 23).toFixed(1)}" y="${y}" class="legend">${escapeXml(label)}</text>`);
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" class="chart" role="img" aria-label="${escapeXml(options.title)}">${parts.join('')}</svg>`;
}
