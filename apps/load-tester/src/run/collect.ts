// After the drain: the records a run's verdict is drawn from, and the simulator's own count of
// the quota windows to set beside the harness's.
import type { DuplicateReport } from '../platform/simulator-client';
import type { ExpectedQuota } from '../quotas/expected-quotas';
import type { QuotaResult } from '../verify/analysis';
import type { PreparedLoad } from './load';
import type { RunRecords } from './options';
import type { RunTarget } from './prepare';

export interface CollectedRecords {
  readonly records: RunRecords;
  /** The simulator's count of duplicate submissions; null when its record holds more than this run. */
  readonly simulatorDuplicates: DuplicateReport | null;
}

/** The client's, Postgres's, the carrier's and the receiver's records of the run. */
export async function collectRecords(target: RunTarget, load: PreparedLoad, quotas: readonly ExpectedQuota[]): Promise<CollectedRecords> {
  const { probe, generator, runStart } = load;
  const { simulator, receiver } = target;
  const [rows, events, submissions] = await Promise.all([probe.messages(), probe.statusEvents(), simulator.submissionsSince(runStart - 1_000)]);
  const simulatorDuplicates = target.simulatorReset ? await simulator.duplicates() : null;
  return { records: { sent: generator.messages, rows, events, submissions, callbacks: receiver.callbacks, quotas }, simulatorDuplicates };
}

/** The simulator's own count of the same windows, where one query can ask it (one sender); sets `witness`. */
export async function witnessQuotas(results: readonly QuotaResult[], quotas: readonly ExpectedQuota[], target: RunTarget, runStart: number, log: (line: string) => void): Promise<void> {
  const quotaById = new Map(quotas.map((x) => [x.id, x]));
  const single = results.filter((q) => q.windowMs > 0 && q.total > 0 && quotaById.get(q.id)?.sources.length === 1).slice(0, 500);
  for (const q of single) {
    const quota = quotaById.get(q.id);
    const source = quota?.sources[0];
    if (!quota || source === undefined) continue;
    const query: Record<string, string | number> = { windowMs: q.windowMs, source, since: runStart - 1_000 };
    if (quota.carrier) query['carrier'] = quota.carrier;
    q.witness = (await target.simulator.count(query)).maxInWindow;
    if (q.witness !== q.maxInWindow) log(`note: ${q.label}: the simulator counts ${q.witness} in its fullest window, the harness ${q.maxInWindow}`);
  }
}

/** The dispatchers' own view of pacing, logged: the time from each quota admission to the submit's writing, and what became of each job. */
export async function logDispatcherPacing(target: RunTarget, log: (line: string) => void): Promise<void> {
  for (const app of target.platform?.apps.filter((a) => a.app === 'carrier-dispatch') ?? []) {
    const text = await fetch(`http://127.0.0.1:${app.port}/metrics`)
      .then((r) => r.text())
      .catch(() => '');
    for (const line of text.split('\n')) {
      if (line.startsWith('sluice_dispatch_admission_to_') || line.startsWith('sluice_dispatch_outcomes_total')) log(`${app.name}: ${line}`);
    }
  }
}
