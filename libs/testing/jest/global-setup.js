// Jest global setup: where no Postgres/Redis/Kafka is configured (no DATABASE_URL and no
// .local/infra.env from deploy/local/infra.sh) but a Docker engine answers, the same
// infrastructure runs in containers (testcontainers) for the length of the test run.
// Plain JavaScript: Jest loads this file before any transform is configured.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { createServer } = require('node:net');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../../..');

function dockerEngineAnswers() {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

module.exports = async function globalSetup() {
  const infraEnv = join(process.env.SLUICE_DATA_DIR || join(ROOT, '.local'), 'infra.env');
  if (process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || existsSync(infraEnv)) return;
  if (!dockerEngineAnswers()) return;

  const { GenericContainer, Wait } = require('testcontainers');
  const { PostgreSqlContainer } = require('@testcontainers/postgresql');
  const { RedisContainer } = require('@testcontainers/redis');

  const kafkaPort = await freePort();
  const [postgres, redis, kafka] = await Promise.all([
    new PostgreSqlContainer('postgres:15').withDatabase('sluice_test').withUsername('sluice').withPassword('sluice').start(),
    new RedisContainer('redis:7').withCommand(['redis-server', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction']).start(),
    new GenericContainer('apache/kafka:3.9.1')
      .withExposedPorts({ container: 9092, host: kafkaPort })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
  ]);
  globalThis.__SLUICE_CONTAINERS__ = [postgres, redis, kafka];

  const env = {
    DATABASE_URL: postgres.getConnectionUri(),
    TEST_DATABASE_URL: postgres.getConnectionUri(),
    REDIS_URL: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
  };
  Object.assign(process.env, env);
  // Schema and topics, as scripts/test.sh does for the native services.
  execFileSync('npx', ['tsc', '-b', 'libs/persistence/tsconfig.lib.json', 'libs/messaging/tsconfig.lib.json'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, ['libs/persistence/dist/cli/migrate.js'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  execFileSync(process.execPath, ['libs/messaging/dist/cli/create-topics.js'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
};
