import { randomBytes } from 'node:crypto';
import { loadConfig } from '@sluice/config';
import { accountTokenKeyEnv, AccountTokenCipherError, openAuthToken, sealAuthToken } from './account-token-cipher';

describe('account token cipher', () => {
  const key = randomBytes(32);

  it('opens what it sealed, for the same account and key only', () => {
    const sealed = sealAuthToken('a-40-character-token-aaaaaaaaaaaaaaaaaaa', 'MA0123456789ABCDEFGH', key);
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain('a-40-character-token');
    expect(openAuthToken(sealed, 'MA0123456789ABCDEFGH', key)).toBe('a-40-character-token-aaaaaaaaaaaaaaaaaaa');
    expect(() => openAuthToken(sealed, 'MA0123456789ABCDEFGX', key)).toThrow(AccountTokenCipherError);
    expect(() => openAuthToken(sealed, 'MA0123456789ABCDEFGH', randomBytes(32))).toThrow(AccountTokenCipherError);
  });

  it('seals the same token differently each time', () => {
    expect(sealAuthToken('t', 'MA0123456789ABCDEFGH', key)).not.toBe(sealAuthToken('t', 'MA0123456789ABCDEFGH', key));
  });

  it('reads ACCOUNT_TOKEN_KEY as 32 base64 bytes and names a bad one without showing it', () => {
    expect(loadConfig('t', accountTokenKeyEnv, { ACCOUNT_TOKEN_KEY: key.toString('base64') }).ACCOUNT_TOKEN_KEY).toEqual(key);
    expect(loadConfig('t', accountTokenKeyEnv, {}).ACCOUNT_TOKEN_KEY).toBeUndefined();
    expect(() => loadConfig('t', accountTokenKeyEnv, { ACCOUNT_TOKEN_KEY: 'c2hvcnQ=' })).toThrow(/ACCOUNT_TOKEN_KEY: must be 32 bytes in base64 \(.*\) \(the value given is not valid\)/);
  });
});
