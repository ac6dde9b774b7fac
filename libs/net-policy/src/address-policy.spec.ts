import { NON_HTTP_URLS, NON_PUBLIC_ADDRESS_URLS, PUBLIC_URLS } from '@sluice/testing';
import type { LookupAddress } from 'node:dns';
import { createServer, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddressPolicy, AddressRefusedError, isPublicAddress, parseAllowList, Resolver } from './address-policy';
import { embeddedIpv4 } from './ip-address';

const answers =
  (table: Record<string, LookupAddress[]>): Resolver =>
  async (hostname) => {
    const found = table[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found;
  };

function lookup(policy: AddressPolicy, hostname: string, all = false): Promise<{ error: Error | null; address: unknown }> {
  return new Promise((resolve) => policy.lookup(hostname, { all }, (error, address) => resolve({ error, address })));
}

const policy = (allow = '', resolver?: Resolver) => new AddressPolicy(parseAllowList(allow), { allowSetting: 'TEST_ALLOWED_HOSTS', ...(resolver ? { resolver } : {}) });

describe('isPublicAddress', () => {
  it.each(['8.8.8.8', '93.184.216.34', '1.1.1.1', '2606:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::808:808'])(
    '%s is public',
    (address) => expect(isPublicAddress(address)).toBe(true),
  );

  it.each([
    '10.0.0.1',
    '10.255.255.255',
    '127.0.0.1',
    '127.8.9.10',
    '169.254.169.254',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '192.0.2.10',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '2001:db8::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:a00:1',
    '0:0:0:0:0:ffff:c0a8:101',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1',
    '::127.0.0.1',
    '::ffff:0:7f00:1',
    'not an address',
  ])('%s is not public', (address) => expect(isPublicAddress(address)).toBe(false));
});

describe('embeddedIpv4', () => {
  it('reads the IPv4 address of mapped and NAT64 forms in every notation, and nothing else', () => {
    expect(embeddedIpv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(embeddedIpv4('::FFFF:7F00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('0:0:0:0:0:ffff:5db8:d822')).toBe('93.184.216.34');
    expect(embeddedIpv4('64:ff9b::10.1.2.3')).toBe('10.1.2.3');
    expect(embeddedIpv4('::1')).toBeNull();
    expect(embeddedIpv4('2001:db8::ffff:7f00:1')).toBeNull();
    expect(embeddedIpv4('127.0.0.1')).toBeNull();
  });
});

describe('AddressPolicy', () => {
  const closed = policy();

  it.each(NON_PUBLIC_ADDRESS_URLS)('refuses the address literal in %s, naming the setting that would allow it', (url) => {
    expect(closed.refusalForUrl(new URL(url))).toMatch(/private, loopback, link-local or reserved address \(allow it with TEST_ALLOWED_HOSTS\)/);
  });

  it.each(NON_HTTP_URLS)('refuses the scheme of %s', (url) => {
    expect(closed.refusalForUrl(new URL(url))).toMatch(/is not http or https/);
  });

  it.each(PUBLIC_URLS)('lets %s through to the connection', (url) => expect(closed.refusalForUrl(new URL(url))).toBeNull());

  it('shows the IPv4 address a mapped address stands for', () => {
    expect(closed.refusalForAddress('::ffff:7f00:1')).toMatch(/^::ffff:7f00:1 \(127\.0\.0\.1\) is a private/);
  });

  it('refuses a hostname with any non-public address among its answers, and passes public answers on unchanged', async () => {
    const p = policy(
      '',
      answers({
        'internal.example': [{ address: '10.0.0.7', family: 4 }],
        'mapped.example': [{ address: '::ffff:127.0.0.1', family: 6 }],
        'mixed.example': [
          { address: '93.184.216.34', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ],
        'public.example': [
          { address: '93.184.216.34', family: 4 },
          { address: '2606:2800:220:1::248', family: 6 },
        ],
      }),
    );
    const internal = await lookup(p, 'internal.example');
    expect(internal.error).toBeInstanceOf(AddressRefusedError);
    expect(internal.error?.message).toMatch(/internal\.example resolves to 10\.0\.0\.7/);
    expect((await lookup(p, 'mapped.example')).error?.message).toMatch(/127\.0\.0\.1/);
    expect((await lookup(p, 'mixed.example')).error?.message).toMatch(/127\.0\.0\.1/);
    expect(await lookup(p, 'public.example')).toEqual({ error: null, address: '93.184.216.34' });
    expect(await lookup(p, 'public.example', true)).toEqual({
      error: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::248', family: 6 },
      ],
    });
    expect((await lookup(p, 'nowhere.example')).error?.message).toMatch(/ENOTFOUND/);
  });

  it('judges each lookup afresh: a DNS answer that turns private after a public one is refused', async () => {
    const seen: string[] = [];
    const rebinding: Resolver = async (hostname) => {
      seen.push(hostname);
      return seen.length === 1 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    };
    const p = policy('', rebinding);
    expect(p.refusalForUrl(new URL('http://rebind.example/a.png'))).toBeNull();
    expect(await lookup(p, 'rebind.example')).toEqual({ error: null, address: '93.184.216.34' });
    const second = await lookup(p, 'rebind.example');
    expect(second.error).toBeInstanceOf(AddressRefusedError);
    expect(second.error?.message).toMatch(/rebind\.example resolves to 127\.0\.0\.1/);
    expect(seen).toEqual(['rebind.example', 'rebind.example']);
  });

  describe('as the lookup of real HTTP requests', () => {
    let server: Server;
    let port: number;
    let served = 0;

    beforeAll(async () => {
      server = createServer((_req, res) => {
        served += 1;
        res.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const get = (p: AddressPolicy, host: string): Promise<number | Error> =>
      new Promise((resolve) => {
        const req = request({ host, port, path: '/', agent: false, lookup: p.lookup }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', resolve);
        req.end();
      });

    it('connects only where the answer at connection time allows: the second connection, whose answer changed, never reaches a socket', async () => {
      // 127.0.0.1 plays the allowed address; 127.0.0.2 the one DNS switches to afterwards.
      let calls = 0;
      const p = policy('127.0.0.1', async () => [{ address: calls++ === 0 ? '127.0.0.1' : '127.0.0.2', family: 4 }]);
      expect(await get(p, 'media.example')).toBe(200);
      const refused = await get(p, 'media.example');
      expect(refused).toBeInstanceOf(AddressRefusedError);
      expect(served).toBe(1);
    });
  });

  it('allows what the allow-list names: CIDRs, single addresses (mapped ones as IPv4) and hostnames', async () => {
    const p = policy('127.0.0.0/8, ::1, [fd00::5], ::ffff:10.1.0.0/112, hooks.internal', answers({ 'hooks.internal': [{ address: '10.9.9.9', family: 4 }] }));
    expect(p.refusalForUrl(new URL('http://127.0.0.1:9/'))).toBeNull();
    expect(p.refusalForUrl(new URL('http://[::ffff:127.0.0.1]:9/'))).toBeNull();
    expect(p.refusalForUrl(new URL('http://[::1]:9/'))).toBeNull();
    expect(p.refusalForUrl(new URL('http://[fd00::5]/'))).toBeNull();
    expect(p.refusalForUrl(new URL('http://10.1.2.3/'))).toBeNull();
    expect(p.refusalForUrl(new URL('http://10.2.0.1/'))).not.toBeNull();
    expect(p.refusalForUrl(new URL('http://hooks.internal./'))).toBeNull();
    expect((await lookup(p, 'hooks.internal')).error).toBeNull();
  });

  it('names a malformed allow-list entry', () => {
    expect(() => parseAllowList('10.0.0.0/33')).toThrow(/"10\.0\.0\.0\/33" is not a valid CIDR/);
    expect(() => parseAllowList('::1/129')).toThrow(/not a valid CIDR/);
    expect(() => parseAllowList('http://x')).toThrow(/neither a hostname/);
    expect(parseAllowList(' a.example , 10.0.0.0/8 ,, ').entries).toEqual(['a.example', '10.0.0.0/8']);
  });
});
