// The run's verdict: what, in its records, breaks a promise the platform makes.
import type { LoadGenerator } from '../load/open-model';
import type { Scenario } from '../scenario/scenario';
import type { Analysis, QuotaResult } from '../verify/analysis';
import type { Allowances } from './options';

/** Each failure in a line; none when the run passed. */
export function verdict(
  scenario: Scenario,
  quotas: readonly QuotaResult[],
  analysis: Analysis,
  generator: LoadGenerator,
  simulatorDuplicates: { extraSubmissions: number } | null,
  timedOut: boolean,
  allowances: Allowances | null,
): string[] {
  const failures: string[] = [];
  if (analysis.lost.count > 0) {
    const states = Object.entries(analysis.lost.byState).map(([s, n]) => `${n} ${s}`).join(', ');
    failures.push(`lost: ${analysis.lost.count} accepted messages not final after the drain${timedOut ? ' (timed out)' : ''} (${states})`);
  }
  const extra = Math.max(analysis.duplicates.extraSubmissions, simulatorDuplicates?.extraSubmissions ?? 0);
  const allowed = (n: number): string => (n > 0 && allowances ? ` (${n} allowed: ${allowances.why})` : '');
  if (extra > (allowances?.carrierDuplicates ?? 0)) failures.push(`duplicates: ${extra} submissions reached the carrier more than once${allowed(allowances?.carrierDuplicates ?? 0)}`);
  const violated = quotas.filter((q) => q.violation);
  for (const q of violated.slice(0, 5)) failures.push(`quota violation: ${q.label}: ${q.violation}`);
  if (violated.length > 5) failures.push(`… and ${violated.length - 5} more quota violations`);
  if (analysis.expiry.submittedAfterExpiry > 0) failures.push(`expiry: ${analysis.expiry.submittedAfterExpiry} messages reached the carrier after their message_expiry`);
  if (analysis.expiry.expiredCharged > 0) failures.push(`expiry: ${analysis.expiry.expiredCharged} expired messages were charged`);
  if (analysis.tmobileCap.charged > 0) failures.push(`T-Mobile cap: ${analysis.tmobileCap.charged} messages failed with a daily-cap error (480/481) were charged`);
  if (analysis.carrier.partsMissing > 0) {
    failures.push(
      `carrier: ${analysis.carrier.partsMissing} sent messages are missing parts at the carrier (the simulator recorded ${analysis.carrier.recorded} submissions in all; e.g. ${analysis.carrier.partsMissingSample.join(', ')})`,
    );
  }
  if (analysis.callbacks.missing > 0) failures.push(`callbacks: ${analysis.callbacks.missing} of ${analysis.callbacks.owed} never arrived`);
  if (analysis.callbacks.duplicated > (allowances?.callbackDuplicates ?? 0)) {
    failures.push(`callbacks: ${analysis.callbacks.duplicated} arrived more than once${allowed(allowances?.callbackDuplicates ?? 0)}`);
  }
  if (generator.mismatched > 0) failures.push(`gateway: ${generator.mismatched} 202 answers did not list one message_uuid per destination`);
  const minUtilisation = scenario.expect.minUtilisation;
  if (minUtilisation !== undefined) {
    const binding = new Map(scenario.groups.map((g) => [g.name, g.bindingQuota]));
    for (const q of quotas.filter((x) => x.backlogged && x.windowMs > 0 && binding.get(x.group) === x.kind && x.utilisation < minUtilisation)) {
      failures.push(`utilisation: ${q.label} used ${(q.utilisation * 100).toFixed(1)} % while backlogged (expected ≥ ${(minUtilisation * 100).toFixed(0)} %)`);
    }
  }
  const maxDrainSeconds = scenario.expect.maxDrainSeconds;
  if (maxDrainSeconds !== undefined) {
    const binding = new Map(scenario.groups.map((g) => [g.name, g.bindingQuota]));
    for (const q of quotas.filter((x) => x.backlogged && binding.get(x.group) === x.kind && !(x.drainMs <= maxDrainSeconds * 1_000))) {
      failures.push(`drain: ${q.label} took ${(q.drainMs / 1_000).toFixed(1)} s from its first acceptance to its last unit at the carrier (expected ≤ ${maxDrainSeconds} s)`);
    }
  }
  const maxBeyond = scenario.expect.maxSecondsBeyondQuota;
  if (maxBeyond !== undefined) {
    const binding = new Map(scenario.groups.map((g) => [g.name, g.bindingQuota]));
    for (const q of quotas.filter((x) => x.windowMs > 0 && binding.get(x.group) === x.kind && x.beyondQuota.maxMs > maxBeyond * 1_000)) {
      failures.push(
        `waiting: under ${q.label} a message reached the carrier ${(q.beyondQuota.maxMs / 1_000).toFixed(1)} s later than the quota required (${q.beyondQuota.overOneSecond} more than 1 s late; expected ≤ ${maxBeyond} s)`,
      );
    }
  }
  const maxErrors = scenario.expect.maxHttpErrorRatio;
  if (maxErrors !== undefined && generator.sent > 0 && generator.failed / generator.sent > maxErrors) {
    failures.push(`http: ${generator.failed} of ${generator.sent} requests failed (allowed ${(maxErrors * 100).toFixed(1)} %)`);
  }
  return failures;
}

