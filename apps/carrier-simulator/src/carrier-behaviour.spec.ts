import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@sluice/config';
import { CarrierBehaviour, SubmitDecision } from './carrier-behaviour';
import { loadSimulatorConfig } from './load-simulator-config';
import { simulatorEnv } from './simulator.config';

function behaviour(env: Record<string, string> = {}): CarrierBehaviour {
  return new CarrierBehaviour(loadConfig('carrier-simulator', simulatorEnv, { PORT: '1', SIMULATOR_SEED: 'fixed', ...env }));
}

const summary = (d: SubmitDecision) => (d.status === 'rejected' ? `rejected:${d.commandStatus}` : d.status);

const MIX = JSON.stringify({
  default: {
    errors: [
      { status: 'ESME_RINVDSTADR', fraction: 0.2 },
      { status: 'ESME_RSYSERR', fraction: 0.2 },
      { status: 'NO_RESPONSE', fraction: 0.1 },
    ],
    receiptOutcomes: [{ stat: 'UNDELIV', err: '005', fraction: 0.5 }],
    latencyMs: 10,
    latencyJitterMs: 40,
  },
});

beforeAll(() => Logger.overrideLogger(false));

describe('CarrierBehaviour', () => {
  it('accepts everything at once with the defaults', () => {
    const decision = behaviour().decide('att', '12025550100', 0);
    expect(decision).toEqual({
      status: 'accepted',
      latencyMs: 0,
      ordinal: 1,
      receipt: { status: 'DELIVRD', err: '000', delayMs: 50 },
      receiptBeforeResponse: false,
    });
  });

  it('gives the same decisions for the same seed, and others for another seed', () => {
    const run = (seed: string) => {
      const b = behaviour({ CARRIER_PROFILES: MIX, SIMULATOR_SEED: seed });
      return Array.from({ length: 200 }, (_, i) => b.decide('verizon', 's', i));
    };
    const first = run('a');
    expect(run('a')).toEqual(first);
    expect(run('b').map(summary)).not.toEqual(first.map(summary));
    const count = (s: string) => first.map(summary).filter((x) => x === s).length;
    // Roughly the mix asked for, and every kind present.
    expect(count('rejected:11')).toBeGreaterThan(20);
    expect(count('rejected:8')).toBeGreaterThan(20);
    expect(count('unanswered')).toBeGreaterThan(5);
    expect(count('accepted')).toBeGreaterThan(60);
    for (const d of first) if ('latencyMs' in d) expect(d.latencyMs).toBeGreaterThanOrEqual(10);
    for (const d of first) if ('latencyMs' in d) expect(d.latencyMs).toBeLessThanOrEqual(50);
    const receipts = first.flatMap((d) => (d.status === 'accepted' ? [d.receipt.status] : []));
    expect(new Set(receipts)).toEqual(new Set(['DELIVRD', 'UNDELIV']));
  });

  it("decides a carrier's k-th submission the same whatever other carriers received", () => {
    const alone = behaviour({ CARRIER_PROFILES: MIX });
    const mixed = behaviour({ CARRIER_PROFILES: MIX });
    const expected = Array.from({ length: 50 }, (_, i) => alone.decide('att', 's', i));
    const got = Array.from({ length: 50 }, (_, i) => {
      mixed.decide('tmobile', 's', i);
      return mixed.decide('att', 's', i);
    });
    expect(got).toEqual(expected);
  });

  it('throttles past the window without using up an ordinal', () => {
    const b = behaviour({
      CARRIER_PROFILES: JSON.stringify({ carriers: { att: { throttle: [{ limit: 2, windowMs: 1_000 }] } } }),
    });
    const decisions = [0, 1, 2, 3, 1_000].map((t) => b.decide('att', 's', t));
    expect(decisions.map((d) => d.status)).toEqual(['accepted', 'accepted', 'throttled', 'throttled', 'accepted']);
    expect(decisions[2]).toEqual(expect.objectContaining({ commandStatus: 0x58, rule: { limit: 2, windowMs: 1_000, per: 'carrier' } }));
    expect(decisions.flatMap((d) => ('ordinal' in d ? [d.ordinal] : []))).toEqual([1, 2, 3]);
    // Other carriers are not policed by att's profile.
    expect([0, 1, 2].map((t) => b.decide('tmobile', 's', t).status)).toEqual(['accepted', 'accepted', 'accepted']);
    // A reset starts the ordinals and the windows afresh.
    b.reset();
    expect(b.decide('att', 's', 1_001)).toEqual(expect.objectContaining({ status: 'accepted', ordinal: 1 }));
  });

  it('replaces one layer at run time and restores the start-up one', () => {
    const b = behaviour({ CARRIER_PROFILES: JSON.stringify({ default: { latencyMs: 5 }, carriers: { att: { latencyMs: 7 } } }) });
    expect(b.profile('att').latencyMs).toBe(7);
    expect(b.profile('verizon').latencyMs).toBe(5);
    b.setOverride('att', { receiptBeforeResponse: true });
    expect(b.profile('att')).toEqual(expect.objectContaining({ latencyMs: 5, receiptBeforeResponse: true }));
    b.setOverride('default', { latencyMs: 9 });
    expect(b.profile('verizon').latencyMs).toBe(9);
    expect(b.view().document).toEqual({ default: { latencyMs: 9 }, carriers: { att: { receiptBeforeResponse: true } } });
    b.restore('att');
    expect(b.profile('att').latencyMs).toBe(7);
    expect(b.profile('verizon').latencyMs).toBe(9);
    b.restore();
    expect(b.profile('verizon').latencyMs).toBe(5);
    expect(b.view()).toEqual(
      expect.objectContaining({
        seed: 'fixed',
        default: expect.objectContaining({ latencyMs: 5 }),
        carriers: expect.objectContaining({ att: expect.objectContaining({ latencyMs: 7 }), unknown: expect.any(Object) }),
      }),
    );
  });

  it('picks a random seed when none is set', () => {
    const a = new CarrierBehaviour(loadConfig('carrier-simulator', simulatorEnv, { PORT: '1' }));
    const b = new CarrierBehaviour(loadConfig('carrier-simulator', simulatorEnv, { PORT: '1' }));
    expect(a.seed).toMatch(/^[0-9a-f]{16}$/);
    expect(a.seed).not.toBe(b.seed);
  });
});

describe('loadSimulatorConfig', () => {
  it('reports bad variables and bad profile fields together, naming each', () => {
    let error: unknown;
    try {
      loadSimulatorConfig({ PORT: 'x', CARRIER_PROFILES: '{"carriers": {"att": {"throttle": [{"limit": -1, "windowMs": 1000}]}}}' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT: must be a port number (got "x")',
      'CARRIER_PROFILES: carriers.att.throttle[0].limit must be a whole number from 1 to 1000000',
    ]);
    expect((error as ConfigError).message).toContain('carrier-simulator cannot start');
  });

  it('says when the document is not JSON, and takes a good one', () => {
    expect(() => loadSimulatorConfig({ PORT: '1', CARRIER_PROFILES: "{default: {}}" })).toThrow(/CARRIER_PROFILES: is not valid JSON/);
    expect(() => loadSimulatorConfig({ PORT: '1', SIMULATOR_SEED: '' })).toThrow(/SIMULATOR_SEED: must not be empty/);
    const config = loadSimulatorConfig({ PORT: '1', CARRIER_PROFILES: '{"default": {"latencyMs": 3}}', SIMULATOR_SEED: 's' });
    expect(config).toEqual(expect.objectContaining({ CARRIER_PROFILES: '{"default": {"latencyMs": 3}}', SIMULATOR_SEED: 's' }));
  });

  it('refuses a bad document when the module is built without it, too', () => {
    expect(() => behaviour({ CARRIER_PROFILES: '{"default": {"latencyMs": -1}}' })).toThrow(ConfigError);
  });
});
