// Locates the real Postgres, Redis and Kafka that tests run against.
import { WORKSPACE_ROOT } from '@sluice/processes';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestInfrastructure {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly kafkaBrokers: string[];
}

export { WORKSPACE_ROOT };

/**
 * Environment variables win (CI, a user's own services); otherwise the addresses that
 * `deploy/local/infra.sh up` wrote to `.local/infra.env`. Tests use the `sluice_test`
 * database, which `scripts/test.sh` creates and migrates.
 */
export function testInfrastructure(): TestInfrastructure {
  const fromFile = readEnvFile(join(process.env['SLUICE_DATA_DIR'] ?? join(WORKSPACE_ROOT, '.local'), 'infra.env'));
  const get = (key: string): string => {
    const value = process.env[key] ?? fromFile[key];
    if (!value) {
      throw new Error(`${key} is not set and .local/infra.env has no value: run "bash deploy/local/infra.sh up" (or "npm test", which does it)`);
    }
    return value;
  };
  const databaseUrl = new URL(process.env['TEST_DATABASE_URL'] ?? get('DATABASE_URL'));
  if (!process.env['TEST_DATABASE_URL']) databaseUrl.pathname = '/sluice_test';
  return {
    databaseUrl: databaseUrl.toString(),
    redisUrl: get('REDIS_URL'),
    kafkaBrokers: get('KAFKA_BROKERS').split(','),
  };
}

function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.replace(/^export\s+/, '').trim())
    .filter((line) => line && !line.startsWith('#') && line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  return Object.fromEntries(entries);
}
