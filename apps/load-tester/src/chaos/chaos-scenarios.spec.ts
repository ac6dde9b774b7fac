import { CHAOS_PLATFORM_ENV, CHAOS_SCENARIOS, ChaosScenario, chaosTraffic, faultName, faultSchedule, findChaosScenario, FLOW_GROUP, withRate } from './chaos-scenarios';

function scenario(name: string): ChaosScenario {
  const found = findChaosScenario(name);
  if (!found) throw new Error(`no scenario ${name}`);
  return found;
}

describe('chaos scenarios', () => {
  it('has one scenario per fault, all of them in sequence, and a short one for CI', () => {
    const names = CHAOS_SCENARIOS.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'short',
        'all',
        'kill-api-gateway',
        'kill-rate-governor',
        'kill-carrier-dispatch',
        'kill-callback-service',
        'kill-postgres',
        'kill-redis',
        'kill-kafka',
        'redis-flushall',
        'carrier-outage',
        'poison-record',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
    const singles = CHAOS_SCENARIOS.filter((s) => s.faults.length === 1);
    for (const scenario of singles) expect(faultName(scenario.faults[0] ?? { kind: 'poison-record' })).toBe(scenario.name);
    expect(findChaosScenario('all')?.faults.map(faultName).sort()).toEqual(singles.map((s) => s.name).sort());
    expect(findChaosScenario('short')?.faults.map(faultName)).toEqual(['kill-rate-governor', 'kill-carrier-dispatch', 'poison-record', 'redis-flushall']);
  });

  it('keeps the CI run to a couple of minutes of traffic, and the carrier away 60 s in its scenario', () => {
    const short = findChaosScenario('short');
    expect(short && faultSchedule(short).trafficSeconds).toBeLessThanOrEqual(120);
    expect(findChaosScenario('carrier-outage')?.faults).toEqual([{ kind: 'carrier-outage', seconds: 60 }]);
  });

  it('schedules each fault after the lead, the previous fault and its gap, and the traffic past the last gap', () => {
    const custom = {
      ...withRate(scenario('short'), 5),
      leadSeconds: 10,
      gapSeconds: 20,
      tailSeconds: 7,
      faults: [
        { kind: 'kill-app', app: 'rate-governor', downSeconds: 2 },
        { kind: 'carrier-outage', seconds: 60 },
        { kind: 'redis-flushall' },
      ] as const,
    };
    expect(faultSchedule(custom)).toEqual({ at: [10, 32, 112], trafficSeconds: 112 + 20 + 7 });
  });

  it('builds traffic of an unpaced flow group and an account held back by its MPS, with the settings the allowances are computed from', () => {
    const traffic = chaosTraffic(withRate(scenario('kill-redis'), 20));
    expect(traffic.groups[FLOW_GROUP]?.name).toBe('flow');
    const paced = traffic.groups.find((g) => g.name === 'paced');
    const flow = traffic.groups[FLOW_GROUP];
    // A whole MPS (the product floors it), offered 1.1 times that: backlogged, with a bounded drain.
    expect(paced?.smsMps).toBe(4);
    expect((20 * (paced?.weight ?? 0)) / ((paced?.weight ?? 0) + (flow?.weight ?? 0))).toBeCloseTo(4.4);
    expect(chaosTraffic(withRate(scenario('short'), 8)).groups.find((g) => g.name === 'paced')?.smsMps).toBe(1);
    expect(paced?.bindingQuota).toBe('account_mps');
    expect(traffic.phases).toEqual([{ name: 'sustained', rate: 20, seconds: 20 + 5 + 40 }]);
    expect(traffic.platform.env).toEqual(CHAOS_PLATFORM_ENV);
    expect(traffic.groups.every((g) => g.callbacks === 1)).toBe(true);
  });
});
