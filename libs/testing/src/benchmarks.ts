// Shared pieces of the benchmark scripts: percentiles, a process's CPU, and the results table with the machine it ran on.
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Clock ticks a second in /proc (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms, from /proc; null where it cannot be read. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces and parentheses): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** The value at percentile p (0–100) of ascending values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Prints a markdown table of results under one line naming the benchmark, the date and the machine. */
export function printResults(title: string, rows: readonly string[], extra = ''): void {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}${extra ? `, ${extra}` : ''}`;
  process.stdout.write([`${title} benchmark, ${new Date().toISOString()}, ${machine}`, '', '| measure | result |', '|---|---|', ...rows, ''].join('\n'));
}
