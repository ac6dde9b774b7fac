import { AddressPolicy, parseAllowList } from '@sluice/net-policy';
import { NON_HTTP_URLS, NON_PUBLIC_ADDRESS_URLS, PUBLIC_URLS } from '@sluice/testing';
import { callbackAddressPolicy, destinationOf } from './destination-policy';

const fixedResolver = (answers: Record<string, Array<{ address: string; family: number }>>) => async (hostname: string) => {
  const found = answers[hostname];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return found;
};

function lookup(policy: AddressPolicy, hostname: string): Promise<{ error: Error | null; address: unknown }> {
  return new Promise((resolve) => policy.lookup(hostname, {}, (error, address) => resolve({ error, address })));
}

describe('callback destinations', () => {
  const closed = callbackAddressPolicy(parseAllowList(''));

  it.each(NON_PUBLIC_ADDRESS_URLS)('refuses the address literal in %s', (url) => {
    expect(closed.refusalForUrl(new URL(url))).toMatch(/private, loopback, link-local or reserved address \(allow it with CALLBACK_ALLOWED_HOSTS\)/);
  });

  it.each(NON_HTTP_URLS)('refuses the scheme of %s', (url) => {
    expect(closed.refusalForUrl(new URL(url))).toMatch(/is not http or https/);
  });

  it.each(PUBLIC_URLS)('lets %s through to resolution', (url) => {
    expect(closed.refusalForUrl(new URL(url))).toBeNull();
  });

  it('refuses a hostname that resolves to a private address, and one with any private address among public ones', async () => {
    const policy = callbackAddressPolicy(
      parseAllowList(''),
      fixedResolver({
        'internal.example': [{ address: '10.0.0.7', family: 4 }],
        'mixed.example': [
          { address: '93.184.216.34', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ],
        'public.example': [{ address: '93.184.216.34', family: 4 }],
      }),
    );
    expect((await lookup(policy, 'internal.example')).error?.message).toMatch(/internal\.example resolves to 10\.0\.0\.7/);
    expect((await lookup(policy, 'mixed.example')).error?.message).toMatch(/127\.0\.0\.1/);
    expect(await lookup(policy, 'public.example')).toEqual({ error: null, address: '93.184.216.34' });
    expect((await lookup(policy, 'nowhere.example')).error?.message).toMatch(/ENOTFOUND/);
  });

  it('allows what the allow-list names: CIDRs, single addresses and hostnames', async () => {
    const policy = callbackAddressPolicy(
      parseAllowList('127.0.0.0/8, ::1, hooks.internal'),
      fixedResolver({ 'hooks.internal': [{ address: '10.9.9.9', family: 4 }], localhost: [{ address: '127.0.0.1', family: 4 }] }),
    );
    expect(policy.refusalForUrl(new URL('http://127.0.0.1:9/'))).toBeNull();
    expect(policy.refusalForUrl(new URL('http://[::1]:9/'))).toBeNull();
    expect(policy.refusalForUrl(new URL('http://10.0.0.1/'))).not.toBeNull();
    expect((await lookup(policy, 'hooks.internal')).error).toBeNull();
    expect((await lookup(policy, 'localhost')).error).toBeNull();
  });

  it('names a malformed allow-list entry', () => {
    expect(() => parseAllowList('10.0.0.0/33')).toThrow(/not a valid CIDR/);
    expect(() => parseAllowList('http://x')).toThrow(/neither a hostname/);
  });

  it('groups urls by scheme, host and port', () => {
    expect(destinationOf('https://Example.com:443/a?b')).toBe('https://example.com');
    expect(destinationOf('http://example.com:8080/a')).toBe('http://example.com:8080');
    expect(destinationOf('not a url')).toBe('invalid-url');
  });
});
