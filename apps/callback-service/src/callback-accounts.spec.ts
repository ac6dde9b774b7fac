import type { CallbackAccount } from '@sluice/persistence';
import { CallbackAccounts } from './callback-accounts';

describe('CallbackAccounts', () => {
  const stored = new Map<string, CallbackAccount>([
    ['MA1', { authTokenEncrypted: 'sealed-1', retryDelaysMs: null }],
    ['MA2', { authTokenEncrypted: null, retryDelaysMs: [100] }],
  ]);

  function setup(ttlMs = 10_000, capacity = 100) {
    let now = 0;
    const reads: string[][] = [];
    const accounts = new CallbackAccounts(
      async (authIds) => {
        reads.push([...authIds]);
        return new Map([...stored].filter(([authId]) => authIds.includes(authId)));
      },
      () => now,
      ttlMs,
      capacity,
    );
    return { accounts, reads, advance: (ms: number) => (now += ms) };
  }

  it('reads the accounts it does not know in one call, once, and answers only those that exist', async () => {
    const { accounts, reads } = setup();
    expect(await accounts.get(['MA1', 'MA2', 'MA1', 'MA9'])).toEqual(new Map([['MA1', stored.get('MA1')], ['MA2', stored.get('MA2')]]));
    expect(await accounts.get(['MA2', 'MA1'])).toEqual(new Map([['MA2', stored.get('MA2')], ['MA1', stored.get('MA1')]]));
    expect(await accounts.get([])).toEqual(new Map());
    // An account that does not exist is asked for again: it may have been created since.
    await accounts.get(['MA9']);
    expect(reads).toEqual([['MA1', 'MA2', 'MA9'], ['MA9']]);
  });

  it('reads an account again once what it read is ACCOUNT_SETTINGS_TTL_MS old', async () => {
    const { accounts, reads, advance } = setup(1_000);
    await accounts.get(['MA1']);
    advance(999);
    await accounts.get(['MA1', 'MA2']);
    advance(1);
    await accounts.get(['MA1', 'MA2']);
    expect(reads).toEqual([['MA1'], ['MA2'], ['MA1']]);
  });

  it('forgets the account read first when it holds as many as it may', async () => {
    const { accounts, reads } = setup(10_000, 1);
    await accounts.get(['MA1']);
    await accounts.get(['MA2']);
    await accounts.get(['MA2', 'MA1']);
    expect(reads).toEqual([['MA1'], ['MA2'], ['MA1']]);
  });
});
