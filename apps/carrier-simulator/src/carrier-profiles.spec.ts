import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseProfile } from './carrier-behaviour';
import { commandStatusOf, parseProfileOverride, parseProfilesDocument, resolveProfile, statusName } from './carrier-profiles';

const problemsOf = (raw: string) => {
  const result = parseProfilesDocument(raw);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
};

const base = baseProfile({ SUBMIT_LATENCY_MS: 0, RECEIPT_DELAY_MS: 50, RECEIPT_OUTCOME: 'delivered' });

describe('parseProfilesDocument', () => {
  it('takes no document (or a blank one) as no overrides', () => {
    expect(parseProfilesDocument(undefined)).toEqual({ ok: true, value: {} });
    expect(parseProfilesDocument('  ')).toEqual({ ok: true, value: {} });
  });

  it('reads a default and per-carrier overrides, normalizing statuses and receipt errors', () => {
    const result = parseProfilesDocument(
      JSON.stringify({
        default: {
          latencyMs: 5,
          latencyJitterMs: 10,
          errors: [
            { status: 'ESME_RSYSERR', fraction: 0.01 },
            { status: 0x0b, fraction: 0.01 },
            { status: 0x400, fraction: 0.01 },
            { status: 'NO_RESPONSE', fraction: 0.001 },
          ],
          receiptOutcomes: [
            { stat: 'UNDELIV', fraction: 0.05 },
            { stat: 'EXPIRED', err: 4, fraction: 0.01 },
            { stat: 'REJECTD', err: '069', fraction: 0.01 },
          ],
        },
        carriers: {
          tmobile: { throttle: [{ limit: 10, windowMs: 1000 }, { limit: 1, windowMs: 1000, per: 'source' }], receiptBeforeResponse: true },
        },
      }),
    );
    expect(result).toEqual({
      ok: true,
      value: {
        default: {
          latencyMs: 5,
          latencyJitterMs: 10,
          errors: [
            { status: 'ESME_RSYSERR', fraction: 0.01 },
            { status: 'ESME_RINVDSTADR', fraction: 0.01 },
            { status: 0x400, fraction: 0.01 },
            { status: 'NO_RESPONSE', fraction: 0.001 },
          ],
          receiptOutcomes: [
            { stat: 'UNDELIV', err: '001', fraction: 0.05 },
            { stat: 'EXPIRED', err: '004', fraction: 0.01 },
            { stat: 'REJECTD', err: '069', fraction: 0.01 },
          ],
        },
        carriers: {
          tmobile: {
            throttle: [
              { limit: 10, windowMs: 1000, per: 'carrier' },
              { limit: 1, windowMs: 1000, per: 'source' },
            ],
            receiptBeforeResponse: true,
          },
        },
      },
    });
  });

  it('says what is wrong with the JSON itself', () => {
    expect(problemsOf('{"default": ')).toEqual([expect.stringMatching(/^is not valid JSON \(.+\)$/)]);
    expect(problemsOf('[]')).toEqual(['must be a JSON object']);
  });

  it.each([
    ['{"default": {"latencyMs": -1}}', 'default.latencyMs must be a whole number of milliseconds from 0 to 3600000'],
    ['{"default": {"latencyMs": "5"}}', 'default.latencyMs must be a whole number of milliseconds from 0 to 3600000'],
    ['{"default": {"latency": 5}}', 'default.latency is not a known field (known: latencyMs, latencyJitterMs, errors, receiptDelayMs, receiptJitterMs, receiptOutcomes, receiptBeforeResponse, throttle)'],
    ['{"defaults": {}}', 'defaults is not a known field (known: default, carriers)'],
    ['{"carriers": {"sprint": {}}}', 'carriers.sprint is not a known carrier (known: att, tmobile, verizon, rogers, unknown)'],
    ['{"carriers": {"att": {"throttle": [{"limit": 0, "windowMs": 1000}]}}}', 'carriers.att.throttle[0].limit must be a whole number from 1 to 1000000'],
    ['{"carriers": {"att": {"throttle": [{"limit": 5}]}}}', 'carriers.att.throttle[0].windowMs is required (milliseconds, 1 to 86400000)'],
    ['{"carriers": {"att": {"throttle": [{"limit": 5, "windowMs": 10, "per": "account"}]}}}', 'carriers.att.throttle[0].per must be carrier or source'],
    ['{"default": {"errors": [{"status": "ESME_NOPE", "fraction": 0.1}]}}', 'default.errors[0].status must be an SMPP error name (e.g. ESME_RSYSERR), a command_status number or NO_RESPONSE'],
    ['{"default": {"errors": [{"status": "ESME_ROK", "fraction": 0.1}]}}', 'default.errors[0].status must not be ESME_ROK (accepted is whatever the errors leave)'],
    ['{"default": {"errors": [{"status": "ESME_RSYSERR"}]}}', 'default.errors[0].fraction is required (a fraction from 0 to 1)'],
    ['{"default": {"errors": [{"status": "ESME_RSYSERR", "fraction": 1.5}]}}', 'default.errors[0].fraction must be a fraction from 0 to 1'],
    ['{"default": {"errors": [{"status": "ESME_RSYSERR", "fraction": 0.7}, {"status": "NO_RESPONSE", "fraction": 0.5}]}}', 'default.errors fractions must add up to at most 1 (they add up to 1.2)'],
    ['{"default": {"receiptOutcomes": [{"stat": "LOST", "fraction": 0.1}]}}', 'default.receiptOutcomes[0].stat must be DELIVRD, UNDELIV, EXPIRED, REJECTD'],
    ['{"default": {"receiptOutcomes": [{"stat": "UNDELIV", "err": "1", "fraction": 0.1}]}}', 'default.receiptOutcomes[0].err must be a three-digit error code (e.g. "001") or a number from 0 to 999'],
    ['{"default": {"receiptBeforeResponse": "yes"}}', 'default.receiptBeforeResponse must be true or false'],
  ])('names the field: %s', (raw, problem) => {
    expect(problemsOf(raw)).toEqual([problem]);
  });

  it('reports every problem at once', () => {
    expect(problemsOf('{"default": {"latencyMs": -1, "receiptDelayMs": 0.5}, "carriers": {"att": {"errors": {}}}}')).toEqual([
      'default.latencyMs must be a whole number of milliseconds from 0 to 3600000',
      'default.receiptDelayMs must be a whole number of milliseconds from 0 to 3600000',
      'carriers.att.errors must be a JSON array',
    ]);
  });

  it('takes the example of the README', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const example = /## Carrier profiles[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    expect(parseProfilesDocument(example)).toEqual({ ok: true, value: expect.objectContaining({ carriers: expect.any(Object) }) });
  });

  it('accepts fractions that add up to exactly 1 despite floating point', () => {
    const shares = [0.1, 0.2, 0.3, 0.4].map((fraction) => ({ status: 'ESME_RSYSERR', fraction }));
    expect(parseProfilesDocument(JSON.stringify({ default: { errors: shares } })).ok).toBe(true);
  });
});

describe('parseProfileOverride', () => {
  it('takes a partial profile, and no body as no override', () => {
    expect(parseProfileOverride({ latencyMs: 20 })).toEqual({ ok: true, value: { latencyMs: 20 } });
    expect(parseProfileOverride(undefined)).toEqual({ ok: true, value: {} });
  });

  it('names the field under body', () => {
    expect(parseProfileOverride({ throttle: [{ limit: 1, windowMs: 0 }] })).toEqual({
      ok: false,
      problems: ['body.throttle[0].windowMs must be a whole number of milliseconds from 1 to 86400000'],
    });
    expect(parseProfileOverride('fast')).toEqual({ ok: false, problems: ['body must be a JSON object'] });
  });
});

describe('resolveProfile', () => {
  it('starts from the variables of the single-carrier simulator', () => {
    expect(base).toEqual({
      latencyMs: 0,
      latencyJitterMs: 0,
      errors: [],
      receiptDelayMs: 50,
      receiptJitterMs: 0,
      receiptOutcomes: [],
      receiptBeforeResponse: false,
      throttle: [],
    });
    expect(baseProfile({ SUBMIT_LATENCY_MS: 7, RECEIPT_DELAY_MS: 0, RECEIPT_OUTCOME: 'mixed' }).receiptOutcomes).toEqual([
      { stat: 'UNDELIV', err: '001', fraction: 0.1 },
    ]);
  });

  it('applies the layers in order, each field replacing the one below, arrays whole', () => {
    const profile = resolveProfile(
      base,
      { latencyMs: 10, throttle: [{ limit: 5, windowMs: 1000, per: 'carrier' }] },
      undefined,
      { throttle: [], receiptDelayMs: 0 },
    );
    expect(profile).toEqual({ ...base, latencyMs: 10, throttle: [], receiptDelayMs: 0 });
  });
});

describe('command statuses', () => {
  it('maps names to codes and back', () => {
    expect(commandStatusOf('ESME_RTHROTTLED')).toBe(0x58);
    expect(commandStatusOf('ESME_RX_P_APPN')).toBe(0x65);
    expect(commandStatusOf(0x400)).toBe(0x400);
    expect(commandStatusOf('NO_RESPONSE')).toBeUndefined();
    expect(statusName(0x08)).toBe('ESME_RSYSERR');
    expect(statusName(0x400)).toBe('0x00000400');
  });
});
