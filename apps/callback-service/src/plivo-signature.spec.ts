import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { validateV3Signature } from 'plivo';
import { newNonce, plivoV3Signature, signatureBase } from './plivo-signature';

const TOKEN = 'ZWQ4ZjE2YjAtOWU3YS00ZTc2LTk3NGEtMmQzOTZm';

const FIELDS = {
  From: '14155550100',
  To: '12025550***',
  MessageUUID: 'f5a4a1a2-7d7c-4c0e-9a8b-123456789abc',
  Status: 'delivered',
  TotalAmount: '0.00500',
  MessageTime: '2025-11-20 10:15:32.123000+00:00',
  ErrorCode: '000',
  PartInfo: '1 of 1',
  PowerpackUUID: '',
};

const URLS = [
  'http://127.0.0.1:8099/status',
  'https://example.com/callbacks/sms',
  'https://example.com/',
  'https://example.com',
  'https://example.com/hooks/status.php',
  'https://example.com/a/b.c/d?token=abc&z=1&a=2',
  'https://user:pass@example.com:8443/cb?k=v',
  'http://[::1]:8080/status?q=1',
  'https://example.com/caf%C3%A9?name=%C3%A9t%C3%A9',
];

/**
 * The SDK tells arrays apart with `instanceof Array`, which fails inside Jest's sandbox for
 * the arrays `querystring` builds (another realm) — so a url repeating a query key is
 * checked in a plain Node process, as a receiver would run it.
 */
function validateInPlainNode(checks: ReadonlyArray<[method: string, url: string, nonce: string, token: string, signature: string, params?: Record<string, string>]>): boolean[] {
  const script = `const { validateV3Signature } = require('plivo');
    const checks = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    process.stdout.write(JSON.stringify(checks.map((c) => validateV3Signature(...c))));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { input: JSON.stringify(checks) }).toString('utf8')) as boolean[];
}

describe('Plivo V3 signature', () => {
  it.each(URLS)('POST to %s is accepted by the plivo SDK', (url) => {
    const nonce = newNonce();
    const signature = plivoV3Signature('POST', url, FIELDS, nonce, TOKEN);
    expect(validateV3Signature('POST', url, nonce, TOKEN, signature, FIELDS)).toBe(true);
  });

  it.each(URLS)('GET to %s (fields in the query) is accepted by the plivo SDK', (url) => {
    const nonce = newNonce();
    const withQuery = `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(FIELDS).toString()}`;
    const signature = plivoV3Signature('GET', withQuery, {}, nonce, TOKEN);
    expect(validateV3Signature('GET', withQuery, nonce, TOKEN, signature)).toBe(true);
  });

  it('agrees with the SDK (in plain Node) when the url repeats a query key', () => {
    const url = 'https://example.com/cb?x=%20y&x=a+b&empty=';
    const nonce = newNonce();
    const withQuery = `${url}&${new URLSearchParams(FIELDS).toString()}`;
    expect(
      validateInPlainNode([
        ['POST', url, nonce, TOKEN, plivoV3Signature('POST', url, FIELDS, nonce, TOKEN), FIELDS],
        ['GET', withQuery, nonce, TOKEN, plivoV3Signature('GET', withQuery, {}, nonce, TOKEN)],
      ]),
    ).toEqual([true, true]);
  });

  it('agrees with the SDK on random tokens, nonces and field values', () => {
    for (let i = 0; i < 200; i += 1) {
      const token = randomBytes(30).toString('base64').slice(0, 40);
      const nonce = newNonce();
      const params = { Status: randomBytes(6).toString('hex'), Units: String(i), Text: randomBytes(8).toString('base64') };
      const url = `https://example.com/p${i}?n=${i}`;
      expect(validateV3Signature('POST', url, nonce, token, plivoV3Signature('POST', url, params, nonce, token), params)).toBe(true);
    }
  });

  it('agrees with the SDK on non-ASCII tokens and fields, and on field sets that change from one request to the next', () => {
    const sets: Array<Record<string, string>> = [FIELDS, { b: 'é', a: '日本' }, FIELDS, { Status: 'sent' }, { b: '1', a: '2' }, FIELDS];
    for (const [i, params] of sets.entries()) {
      const token = i % 2 === 0 ? TOKEN : `tökén-${i}`;
      const nonce = newNonce();
      const url = `https://example.com/café/${i}`;
      expect(validateV3Signature('POST', url, nonce, token, plivoV3Signature('POST', url, params, nonce, token), params)).toBe(true);
    }
  });

  it('is rejected when a field, the url, the nonce or the token differ', () => {
    const url = 'https://example.com/status';
    const nonce = newNonce();
    const signature = plivoV3Signature('POST', url, FIELDS, nonce, TOKEN);
    expect(validateV3Signature('POST', url, nonce, TOKEN, signature, { ...FIELDS, Status: 'failed' })).toBe(false);
    expect(validateV3Signature('POST', `${url}2`, nonce, TOKEN, signature, FIELDS)).toBe(false);
    expect(validateV3Signature('POST', url, newNonce(), TOKEN, signature, FIELDS)).toBe(false);
    expect(validateV3Signature('POST', url, nonce, `${TOKEN.slice(1)}x`, signature, FIELDS)).toBe(false);
  });

  it('builds the documented base strings', () => {
    expect(signatureBase('POST', 'https://example.com/cb', { b: '2', a: '1' })).toBe('https://example.com/cb?a1b2');
    expect(signatureBase('POST', 'https://example.com/cb?z=9&y=8', { a: '1' })).toBe('https://example.com/cb?y=8&z=9.a1');
    expect(signatureBase('GET', 'https://example.com/cb?z=9&a=1+2', {})).toBe('https://example.com/cb?a=1 2&z=9');
  });

  it('makes 20-digit nonces', () => {
    expect(newNonce()).toMatch(/^[1-9]\d{19}$/);
  });
});
