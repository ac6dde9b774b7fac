// Shared pieces of the benchmark scripts: percentiles and the results table with the machine it ran on.
import { cpus, totalmem } from 'node:os';

/** The value at percentile p (0–100) of ascending values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Prints a markdown table of results under one line naming the benchmark, the date and the machine. */
export function printResults(title: string, rows: readonly string[], extra = ''): void {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}${extra ? `, ${extra}` : ''}`;
  process.stdout.write([`${title} benchmark, ${new Date().toISOString()}, ${machine}`, '', '| measure | result |', '|---|---|', ...rows, ''].join('\n'));
}
