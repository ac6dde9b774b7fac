// The Linux scheduling policy a Sluice process runs under (CPU_SCHEDULING), set on every thread
// of the process at start. docs/decisions/0012-sched-batch.md has the measurements.
//
// `batch` is SCHED_BATCH: a thread woken by a socket does not preempt the thread running on its
// core; it runs when that one blocks or at the scheduler's next tick. Services that hand work to
// each other over loopback then take it in larger turns, with fewer context switches. `normal`
// is SCHED_OTHER, the kernel's default. Both keep the same nice value and fair share of the CPU.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const CPU_SCHEDULING_POLICIES = ['batch', 'normal'] as const;
export type CpuScheduling = (typeof CPU_SCHEDULING_POLICIES)[number];

/** The policy every service runs under unless CPU_SCHEDULING says otherwise. */
export const DEFAULT_CPU_SCHEDULING: CpuScheduling = 'batch';

/** The kernel's numbers for the policies (`policy` in /proc/<pid>/stat). */
const POLICY_NUMBER: Readonly<Record<CpuScheduling, number>> = { normal: 0, batch: 3 };

/**
 * Sets every thread of process `pid` to the policy with util-linux's `chrt`; threads started
 * later inherit it from the thread that starts them. Answers null once set, or why it could
 * not be (not Linux, no `chrt`, refused): the process then runs as it was started.
 */
export function setCpuScheduling(policy: CpuScheduling, pid: number = process.pid): string | null {
  if (process.platform !== 'linux') return `scheduling policies are set on Linux only (this is ${process.platform})`;
  try {
    execFileSync('chrt', [policy === 'batch' ? '--batch' : '--other', '--all-tasks', '--pid', '0', String(pid)], { stdio: 'pipe', timeout: 5_000 });
    return null;
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'chrt (util-linux) is not installed';
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `chrt failed: ${stderr || (error as Error).message}`;
  }
}

/** The policy thread `tid` of process `pid` runs under now; null when it is neither of ours or cannot be read. */
export function cpuSchedulingOf(pid: number, tid: number = pid): CpuScheduling | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 41 (policy); the fields after the parenthesised command name start at field 3.
  const number = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
  const found = CPU_SCHEDULING_POLICIES.find((p) => POLICY_NUMBER[p] === number);
  return found ?? null;
}
