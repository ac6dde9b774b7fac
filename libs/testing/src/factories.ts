// Test data: each test gets its own account, so tests never see each other's rows.
import { AccountRepository, createDataSource, CreatedAccount } from '@sluice/persistence';
import type { DataSource } from 'typeorm';
import { testInfrastructure } from './infrastructure';

export async function connectTestDatabase(): Promise<DataSource> {
  return createDataSource({ url: testInfrastructure().databaseUrl, poolSize: 4, applicationName: 'sluice-tests' }).initialize();
}

export async function createTestAccount(dataSource: DataSource, overrides: { smsMps?: number; mmsMps?: number } = {}): Promise<CreatedAccount> {
  return new AccountRepository(dataSource).create({ name: `test-${Date.now()}`, ...overrides });
}

/** E.164 digits of a US number in the given area code, unique per call within a run. */
let counter = 0;
export function testNumber(areaCode = '202'): string {
  counter += 1;
  return `1${areaCode}555${String((Date.now() + counter) % 10_000).padStart(4, '0')}`;
}
