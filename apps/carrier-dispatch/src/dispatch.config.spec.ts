import { ConfigError, loadConfig } from '@sluice/config';
import { dispatchEnv } from './dispatch.config';

const base = {
  PORT: '3003',
  DATABASE_URL: 'postgres://sluice@127.0.0.1:5432/sluice',
  REDIS_URL: 'redis://127.0.0.1:6379',
  KAFKA_BROKERS: '127.0.0.1:9092',
  SMPP_SYSTEM_ID: 'sluice',
  SMPP_PASSWORD: 'secret',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig('carrier-dispatch', dispatchEnv, { ...base, ...env });
  } catch (error: unknown) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('carrier-dispatch configuration', () => {
  it('has no per-carrier routes unless SMPP_ROUTES names some', () => {
    expect(loadConfig('carrier-dispatch', dispatchEnv, base).SMPP_ROUTES).toEqual({});
  });

  it('reads a route per carrier, with the default bind count unless it sets one', () => {
    const config = loadConfig('carrier-dispatch', dispatchEnv, {
      ...base,
      SMPP_ROUTES: JSON.stringify({
        tmobile: { host: 'smsc.tmo.example', port: 2776, systemId: 'sluice-tmo', password: 'pw', binds: 4 },
        rogers: { host: 'smsc.ca.example', port: 2775, systemId: 'sluice-ca', password: 'pw' },
      }),
    });
    expect(config.SMPP_ROUTES).toEqual({
      tmobile: { host: 'smsc.tmo.example', port: 2776, systemId: 'sluice-tmo', password: 'pw', binds: 4 },
      rogers: { host: 'smsc.ca.example', port: 2775, systemId: 'sluice-ca', password: 'pw' },
    });
  });

  it('names each problem in SMPP_ROUTES, and never echoes a document with a password', () => {
    const found = problems({
      SMPP_ROUTES: JSON.stringify({ sprint: { host: 'x', port: 1, systemId: 's', password: 'p' }, att: { host: 'x', port: 70000, systemId: 's', password: 'far-too-long' } }),
    });
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^SMPP_ROUTES: "sprint" is not a carrier id \(known: att, tmobile, verizon, rogers, unknown\)/);
    expect(found.some((p) => /^SMPP_ROUTES: att\.port must be a port number/.test(p))).toBe(true);
    expect(found.some((p) => /^SMPP_ROUTES: att\.password is at most 8 characters/.test(p))).toBe(true);
    expect(found.join('\n')).not.toContain('far-too-long');
    expect(problems({ SMPP_ROUTES: '[1]' })).toEqual(['SMPP_ROUTES: must be a JSON object from carrier id to route (got "[1]")']);
    expect(problems({ SMPP_ROUTES: '{' })[0]).toMatch(/^SMPP_ROUTES: must be a JSON object from carrier id to route/);
  });

  it('refuses a negative look-ahead', () => {
    expect(problems({ DISPATCH_CLAIM_AHEAD_MS: '-1' })).toEqual(['DISPATCH_CLAIM_AHEAD_MS: must be a number of milliseconds (0 or more) (got "-1")']);
  });

  it('admits with no guard band unless told, and refuses a negative one', () => {
    expect(loadConfig('carrier-dispatch', dispatchEnv, base).QUOTA_ADMISSION_GUARD_MS).toBe(0);
    expect(loadConfig('carrier-dispatch', dispatchEnv, { ...base, QUOTA_ADMISSION_GUARD_MS: '250' }).QUOTA_ADMISSION_GUARD_MS).toBe(250);
    expect(problems({ QUOTA_ADMISSION_GUARD_MS: '-1' })).toEqual([expect.stringMatching(/^QUOTA_ADMISSION_GUARD_MS: /)]);
  });
});
