import { ConfigError, consumerSupervisionEnv, databaseEnv, httpEnv, kafkaEnv, loadConfig, loopSupervisionEnv } from './index';

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

  it('runs every service as SCHED_BATCH unless CPU_SCHEDULING says normal', () => {
    const base = { PORT: '1', DATABASE_URL: 'postgres://u:p@localhost:5432/db', KAFKA_BROKERS: 'a:9092' };
    expect(loadConfig('test-app', schema, base).CPU_SCHEDULING).toBe('batch');
    expect(loadConfig('test-app', schema, { ...base, CPU_SCHEDULING: 'normal' }).CPU_SCHEDULING).toBe('normal');
    expect(() => loadConfig('test-app', schema, { ...base, CPU_SCHEDULING: 'fifo' })).toThrow(/CPU_SCHEDULING: must be batch or normal \(got "fifo"\)/);
  });

  it('says when a required key is missing', () => {
    expect(() => loadConfig('test-app', schema, { PORT: '1' })).toThrow(/DATABASE_URL: is required/);
  });

  it('bounds how long a consumer or loop may stay down: 2 minutes by default, 0 for never, else at least 1 s', () => {
    const supervision = consumerSupervisionEnv.merge(loopSupervisionEnv);
    expect(loadConfig('test-app', supervision, {})).toEqual({ CONSUMER_MAX_DOWN_MS: 120_000, LOOP_MAX_DOWN_MS: 120_000 });
    expect(loadConfig('test-app', supervision, { CONSUMER_MAX_DOWN_MS: '0', LOOP_MAX_DOWN_MS: '30000' })).toEqual({ CONSUMER_MAX_DOWN_MS: 0, LOOP_MAX_DOWN_MS: 30_000 });
    expect(() => loadConfig('test-app', supervision, { CONSUMER_MAX_DOWN_MS: '500', LOOP_MAX_DOWN_MS: 'soon' })).toThrow(
      /CONSUMER_MAX_DOWN_MS: must be 0 \(never exit\) or at least 1000 \(got "500"\)[\s\S]*LOOP_MAX_DOWN_MS: must be a number of milliseconds/,
    );
  });
});
