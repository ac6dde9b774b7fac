import { ConfigError, loadConfig } from '@sluice/config';
import { randomBytes } from 'node:crypto';
import { callbackEnv } from './callback.config';

const BASE = { PORT: '8083', DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db', KAFKA_BROKERS: '127.0.0.1:9092' };

function problems(env: Record<string, string>): string {
  try {
    loadConfig('callback-service', callbackEnv, { ...BASE, ...env });
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
}

describe('callback-service configuration', () => {
  it("defaults to Plivo's schedule and timeout, no allow-list, no signing key, no admin token", () => {
    const config = loadConfig('callback-service', callbackEnv, BASE);
    expect(config).toMatchObject({
      CALLBACK_TIMEOUT_MS: 8_000,
      CALLBACK_RETRY_DELAYS_MS: [60_000, 120_000, 240_000],
      CALLBACK_CONCURRENCY: 64,
      CALLBACK_DESTINATION_CONCURRENCY: 8,
      CALLBACK_DESTINATION_MAX_CONCURRENCY: 128,
      CALLBACK_LEASE_MS: 30_000,
      CALLBACK_POLL_MS: 250,
      CALLBACK_IDLE_POLL_MS: 2_000,
      CALLBACK_FEED_HOLD_MS: 1_000,
      KAFKA_GROUP_ID: 'callback-service',
    });
    expect(config.CALLBACK_ALLOWED_HOSTS.entries).toEqual([]);
    expect(config.ACCOUNT_TOKEN_KEY).toBeUndefined();
    expect(config.ADMIN_TOKEN).toBeUndefined();
  });

  it('reads a compressed schedule, no retries, an allow-list and a key', () => {
    const key = randomBytes(32);
    const config = loadConfig('callback-service', callbackEnv, {
      ...BASE,
      CALLBACK_RETRY_DELAYS_MS: '100, 200',
      CALLBACK_ALLOWED_HOSTS: '127.0.0.0/8,::1,hooks.internal',
      ACCOUNT_TOKEN_KEY: key.toString('base64'),
    });
    expect(config.CALLBACK_RETRY_DELAYS_MS).toEqual([100, 200]);
    expect(config.CALLBACK_ALLOWED_HOSTS.entries).toEqual(['127.0.0.0/8', '::1', 'hooks.internal']);
    expect(config.ACCOUNT_TOKEN_KEY).toEqual(key);
    expect(loadConfig('callback-service', callbackEnv, { ...BASE, CALLBACK_RETRY_DELAYS_MS: '' }).CALLBACK_RETRY_DELAYS_MS).toEqual([]);
  });

  it('names each bad setting in a sentence', () => {
    const message = problems({
      CALLBACK_RETRY_DELAYS_MS: '60s',
      CALLBACK_ALLOWED_HOSTS: '10.0.0.0/99',
      ACCOUNT_TOKEN_KEY: 'short',
      ADMIN_TOKEN: 'x',
    });
    expect(message).toMatch(/CALLBACK_RETRY_DELAYS_MS: must be milliseconds separated by commas/);
    expect(message).toMatch(/CALLBACK_ALLOWED_HOSTS: "10\.0\.0\.0\/99" is not a valid CIDR/);
    expect(message).toMatch(/ACCOUNT_TOKEN_KEY: must be 32 bytes in base64/);
    expect(message).toMatch(/ADMIN_TOKEN: must be at least 16 characters \(the value given is not valid\)/);
  });

  it('refuses an idle wait shorter than the first', () => {
    expect(problems({ CALLBACK_POLL_MS: '500', CALLBACK_IDLE_POLL_MS: '400' })).toMatch(/CALLBACK_IDLE_POLL_MS: must be at least CALLBACK_POLL_MS \(500\)/);
  });

  it('refuses a feed hold the consumer could not keep its partitions through', () => {
    expect(problems({ CALLBACK_FEED_HOLD_MS: '6000' })).toMatch(/CALLBACK_FEED_HOLD_MS: must be at most 5000/);
  });

  it('refuses a lease that an attempt could outlast', () => {
    expect(problems({ CALLBACK_TIMEOUT_MS: '8000', CALLBACK_LEASE_MS: '8500' })).toMatch(/CALLBACK_LEASE_MS: must be more than CALLBACK_TIMEOUT_MS \+ 1000/);
  });

  it('refuses a most per destination below the first', () => {
    expect(problems({ CALLBACK_DESTINATION_CONCURRENCY: '16', CALLBACK_DESTINATION_MAX_CONCURRENCY: '8' })).toMatch(
      /CALLBACK_DESTINATION_MAX_CONCURRENCY: must be at least CALLBACK_DESTINATION_CONCURRENCY \(16\)/,
    );
  });

  it('takes the gateway that sends Message XML replies only with its admin token', () => {
    expect(problems({ GATEWAY_ADMIN_URL: 'http://api-gateway:8080' })).toMatch(/GATEWAY_ADMIN_TOKEN: is required when GATEWAY_ADMIN_URL is set/);
    expect(problems({ GATEWAY_ADMIN_URL: 'ftp://api-gateway', GATEWAY_ADMIN_TOKEN: 'x'.repeat(16) })).toMatch(/GATEWAY_ADMIN_URL: must be an http:\/\/ or https:\/\/ URL/);
    const config = loadConfig('callback-service', callbackEnv, { ...BASE, GATEWAY_ADMIN_URL: 'http://api-gateway:8080', GATEWAY_ADMIN_TOKEN: 'x'.repeat(16) });
    expect(config).toMatchObject({ GATEWAY_ADMIN_URL: 'http://api-gateway:8080', GATEWAY_ADMIN_TOKEN: 'x'.repeat(16) });
  });
});
