import { ConfigError, databaseEnv, httpEnv, kafkaEnv, loadConfig } from './index';

const schema = httpEnv.merge(databaseEnv).merge(kafkaEnv);

describe('loadConfig', () => {
  it('returns typed values with defaults', () => {
    const config = loadConfig('test-app', schema, {
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@localhost:5432/db',
      KAFKA_BROKERS: 'a:9092, b:9093',
    });
    expect(config).toMatchObject({ PORT: 8080, HOST: '127.0.0.1', KAFKA_BROKERS: ['a:9092', 'b:9093'], DATABASE_POOL_SIZE: 10 });
  });

  it('names every bad key in one readable message', () => {
    let error: unknown;
    try {
      loadConfig('test-app', schema, { PORT: 'eighty', DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'nohost' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('test-app cannot start');
    expect(message).toMatch(/PORT: must be a port number \(got "eighty"\)/);
    expect(message).toMatch(/DATABASE_URL: must be a postgres: or postgresql:\/\/ URL/);
    expect(message).not.toContain('mysql://x');
    expect(message).toMatch(/KAFKA_BROKERS: must be host:port/);
  });

  it('says when a required key is missing', () => {
    expect(() => loadConfig('test-app', schema, { PORT: '1' })).toThrow(/DATABASE_URL: is required/);
  });
});
