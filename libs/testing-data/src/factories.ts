// Test data: each test gets its own account, so tests never see each other's rows.
import { AccountRepository, createDataSource, CreatedAccount } from '@sluice/persistence';
import type { DataSource } from 'typeorm';
import { testInfrastructure } from '@sluice/testing';

export async function connectTestDatabase(): Promise<DataSource> {
  return createDataSource({ url: testInfrastructure().databaseUrl, poolSize: 4, applicationName: 'sluice-tests' }).initialize();
}

export async function createTestAccount(dataSource: DataSource, overrides: { smsMps?: number; mmsMps?: number } = {}): Promise<CreatedAccount> {
  return new AccountRepository(dataSource).create({ name: `test-${Date.now()}`, ...overrides });
}
