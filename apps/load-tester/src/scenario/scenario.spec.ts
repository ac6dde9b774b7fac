import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '../platform/launcher';
import { isTwoWay, parseTwoWayScenario } from '../two-way/two-way-scenario';
import { listScenarios, loadScenario, parseScenario, scaleScenario, ScenarioError } from './scenario';

const DIR = join(WORKSPACE_ROOT, 'loadtest', 'scenarios');

describe('scenario files', () => {
  it('has every named scenario of the issue, and each one parses', () => {
    expect(listScenarios(DIR)).toEqual(['carrier-outage', 'drain-600', 'end-to-end-max', 'expiry-under-backlog', 'gateway-max', 'many-accounts', 'pacing', 'smoke', 'soak', 'steady', 'steady-ramp', 'steady-warm', 'tpd-boundary', 'two-way']);
    for (const name of listScenarios(DIR)) {
      const document: unknown = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'));
      expect((isTwoWay(document) ? parseTwoWayScenario(document, name) : loadScenario(name, DIR)).name).toBe(name);
    }
  });

  it('explains what is wrong with a bad scenario, naming the field', () => {
    expect(() => parseScenario({ name: 'x', groups: [{ name: 'Bad Name', numbers: [] }], phases: [{ rate: -1, seconds: 1 }] }, 'x.json')).toThrow(
      /x\.json is not a valid scenario:\n {2}- groups\.0\.name: must be lower-case letters, digits and dashes\n {2}- groups\.0\.numbers: .*\n {2}- phases\.0\.rate: /,
    );
    expect(() => parseScenario({ name: 'x', groups: [{ name: 'a', numbers: [{ type: 'toll_free' }], brand: { vettingScore: 50 } }], phases: [{ rate: 1, seconds: 1 }] }, 'x.json')).toThrow(
      new ScenarioError('x.json: group "a" has a brand but no 10dlc numbers'),
    );
    expect(() => loadScenario('no-such-scenario', DIR)).toThrow(/no scenario "no-such-scenario".*known: carrier-outage, drain-600, end-to-end-max, /);
  });

  it('scales phase durations, and rates only when asked', () => {
    const scenario = parseScenario({ name: 'x', groups: [{ name: 'a', numbers: [{ type: 'short_code' }] }], phases: [{ rate: 10, seconds: 60 }] }, 'x');
    expect(scaleScenario(scenario, 0.5).phases).toEqual([{ rate: 10, seconds: 30 }]);
    expect(scaleScenario(scenario, 1, 3).phases).toEqual([{ rate: 30, seconds: 60 }]);
  });
});
