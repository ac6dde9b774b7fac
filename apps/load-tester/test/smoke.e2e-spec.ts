// The CI smoke scenario: the harness starts the five built apps, runs loadtest/scenarios/smoke.json
// against them and must find nothing lost, nothing duplicated and every quota held.
import { testInfrastructure, WORKSPACE_ROOT } from '@sluice/testing';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLoadTest } from '../src/run';
import type { RunResult } from '../src/report/result';
import { loadScenario } from '../src/scenario/scenario';

describe('load-tester smoke scenario', () => {
  let result: RunResult;

  // The harness's own lines go to a file as they come, so a run that hangs says how far it got.
  const logDir = join(WORKSPACE_ROOT, 'tmp', 'test-logs', 'load-tester');
  const runLog = join(logDir, 'harness.log');

  beforeAll(async () => {
    const infra = testInfrastructure();
    mkdirSync(logDir, { recursive: true });
    writeFileSync(runLog, '');
    result = await runLoadTest({
      scenario: loadScenario('smoke', join(WORKSPACE_ROOT, 'loadtest', 'scenarios')),
      startPlatform: true,
      databaseUrl: infra.databaseUrl,
      redisUrl: infra.redisUrl,
      kafkaBrokers: infra.kafkaBrokers.join(','),
      resetSimulator: false,
      receiverHost: '127.0.0.1',
      receiverPort: 0,
      watch: [],
      ceilings: false,
      logDir,
      appLogLevel: 'warn',
      extraEnv: {},
      log: (line) => appendFileSync(runLog, `${new Date().toISOString()} ${line}\n`),
      progress: 'lines',
    });
  }, 150_000);

  it('gets every request accepted and every accepted message to a final state', () => {
    expect(result.load.outcomes).toEqual({ '202': result.load.requests });
    expect(result.load.uuidMismatches).toBe(0);
    expect(result.analysis.accepted).toBeGreaterThan(result.load.requests);
    expect(result.analysis.lost).toEqual({ count: 0, byState: {}, sample: [] });
    expect(result.drain.timedOut).toBe(false);
  });

  it('sees each unit at the carrier exactly once, within every quota', () => {
    expect(result.analysis.carrier.accepted).toBeGreaterThanOrEqual(result.analysis.acceptedUnits);
    expect(result.analysis.carrier.partsMissing).toBe(0);
    expect(result.analysis.duplicates.extraSubmissions).toBe(0);
    expect(result.analysis.simulatorDuplicates?.extraSubmissions).toBe(0);
    expect(result.analysis.quotas.filter((q) => q.violation)).toEqual([]);
    // The paced account really was held back by its 5 MPS.
    expect(result.analysis.quotas.some((q) => q.kind === 'account_mps' && q.limit === 5 && q.backlogged && q.maxInWindow === 5)).toBe(true);
  });

  it('delivers every callback once', () => {
    const callbacks = result.analysis.callbacks;
    expect(callbacks.owed).toBeGreaterThan(0);
    expect({ missing: callbacks.missing, duplicated: callbacks.duplicated }).toEqual({ missing: 0, duplicated: 0 });
  });

  it('passes its verdict and reports stage latencies and process figures', () => {
    expect(result.verdict).toEqual({ ok: true, failures: [] });
    expect(result.analysis.stages.acceptToFinalCallback.count).toBeGreaterThan(0);
    expect(result.processes.map((p) => p.name)).toEqual(expect.arrayContaining(['api-gateway', 'rate-governor', 'carrier-dispatch', 'callback-service', 'carrier-simulator']));
  });
});
