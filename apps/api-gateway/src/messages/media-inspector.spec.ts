import { loadConfig } from '@sluice/config';
import type { Resolver } from '@sluice/net-policy';
import { ApiError } from '../errors/api-error';
import { gatewayEnv } from '../gateway.config';
import { isSupportedContentType, MEDIA_LIMITS, MediaInspector, mediaTooLarge } from './media-inspector';

describe('media rules', () => {
  it.each(['image/jpeg', 'image/png; charset=binary', 'IMAGE/GIF', 'video/mp4', 'audio/amr', 'text/vcard', 'application/pdf'])('takes %s', (type) => {
    expect(isSupportedContentType(type)).toBe(true);
  });

  it.each(['text/html', 'application/octet-stream', 'application/json', 'image/', ''])('refuses %p', (type) => {
    expect(isSupportedContentType(type)).toBe(false);
  });

  it('fails a message with an attachment over 2 MB or text and media of 5 MB or more', () => {
    const media = (size: number) => ({ url: 'https://a.example/x', contentType: 'image/png', size });
    expect(mediaTooLarge([media(MEDIA_LIMITS.maxBytes)], 100)).toBe(false);
    expect(mediaTooLarge([media(MEDIA_LIMITS.maxBytes + 1)], 0)).toBe(true);
    expect(mediaTooLarge([media(2_000_000), media(2_000_000), media(1_000_000)], 100)).toBe(false);
    expect(mediaTooLarge([media(2_000_000), media(2_000_000), media(1_242_880)], 0)).toBe(true);
  });
});

describe('media address policy', () => {
  const config = (allowed = '') =>
    loadConfig('api-gateway', gatewayEnv, {
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
      KAFKA_BROKERS: '127.0.0.1:9092',
      MEDIA_ALLOWED_HOSTS: allowed,
      MEDIA_FETCH_TIMEOUT_MS: '500',
    });

  /** The 400 an inspection ends with. */
  async function problem(inspector: MediaInspector, url: string): Promise<string> {
    try {
      await inspector.inspect([url]);
    } catch (error: unknown) {
      expect(error).toBeInstanceOf(ApiError);
      return (error as ApiError).message;
    }
    throw new Error(`${url} was accepted`);
  }

  it.each(['http://8.8.8.8/a.png', 'http://93.184.216.34/a.png', 'http://[::ffff:8.8.8.8]/a.png', 'http://[2606:4700::1111]/a.png', 'https://media.example/a.png'])(
    'lets %s through to the connection',
    (url) => expect(new MediaInspector(config()).policy.refusalForUrl(new URL(url))).toBeNull(),
  );

  it.each([
    'http://10.1.2.3/a.png',
    'http://127.0.0.1/a.png',
    'http://169.254.169.254/latest/meta-data/',
    'http://192.168.0.10/a.png',
    'http://[::1]/a.png',
    'http://[fc00::1]/a.png',
    'http://[fe80::1]/a.png',
    'http://[::ffff:127.0.0.1]/a.png',
    'http://[::ffff:7f00:1]/a.png',
    'http://[::ffff:10.0.0.1]/a.png',
  ])('refuses %s, naming MEDIA_ALLOWED_HOSTS', (url) => {
    expect(new MediaInspector(config()).policy.refusalForUrl(new URL(url))).toMatch(/allow it with MEDIA_ALLOWED_HOSTS/);
  });

  it('refuses a private address literal before connecting, unless MEDIA_ALLOWED_HOSTS allows it', async () => {
    expect(await problem(new MediaInspector(config()), 'http://[::ffff:127.0.0.1]:9/a.png')).toBe('media_urls[0]: points to a private or local address');
    expect(new MediaInspector(config('127.0.0.0/8')).policy.refusalForUrl(new URL('http://[::ffff:127.0.0.1]:9/a.png'))).toBeNull();
  });

  // The connections below go to public addresses, so how they fail depends on the network the
  // test runs on (no route, a time-out, a proxy's answer); what matters is that they were tried.
  it('goes on to fetch media on a public IPv4 address instead of calling it private', async () => {
    const message = await problem(new MediaInspector(config()), 'http://93.184.216.34:9/a.png');
    expect(message).toMatch(/^media_urls\[0\]: could not be fetched/);
  });

  it('fetches a hostname whose answer is public, and refuses one whose answer is private or turns private', async () => {
    const asked: string[] = [];
    const answers: Record<string, string[]> = {
      'public.example': ['93.184.216.34'],
      'mapped.example': ['::ffff:7f00:1'],
      'rebind.example': ['93.184.216.34', '10.0.0.1'],
    };
    const resolver: Resolver = async (hostname) => {
      asked.push(hostname);
      // Each host's answers in turn, round and round.
      const turn = answers[hostname] ?? [];
      const address = turn.shift() ?? '';
      turn.push(address);
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    };
    const inspector = new MediaInspector(config(), resolver);
    expect(await problem(inspector, 'http://public.example:9/a.png')).toMatch(/^media_urls\[0\]: could not be fetched/);
    expect(await problem(inspector, 'http://mapped.example:9/a.png')).toBe('media_urls[0]: points to a private or local address');
    expect(await problem(inspector, 'http://rebind.example:9/a.png')).toMatch(/^media_urls\[0\]: could not be fetched/);
    expect(await problem(inspector, 'http://rebind.example:9/a.png')).toBe('media_urls[0]: points to a private or local address');
    expect(asked).toEqual(['public.example', 'mapped.example', 'rebind.example', 'rebind.example']);
  });
});
