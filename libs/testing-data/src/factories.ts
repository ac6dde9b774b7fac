// Test data: each test gets its own account, so tests never see each other's rows.
import { randomInt, randomUUID } from 'node:crypto';
import { LogMode, MessageType, must, TextEncoding, type DispatchJob } from '@sluice/contracts';
import { AccountRepository, createDataSource, CreatedAccount } from '@sluice/persistence';
import type { DataSource } from 'typeorm';
import { testInfrastructure } from '@sluice/testing';

export async function connectTestDatabase(): Promise<DataSource> {
  return createDataSource({ url: testInfrastructure().databaseUrl, poolSize: 4, applicationName: 'sluice-tests' }).initialize();
}

/** `tokenKey` (an ACCOUNT_TOKEN_KEY) also stores the token sealed, so callbacks to the account are signed. */
export async function createTestAccount(
  dataSource: DataSource,
  overrides: { smsMps?: number; mmsMps?: number; tokenKey?: Buffer } = {},
): Promise<CreatedAccount> {
  return new AccountRepository(dataSource).create({ name: `test-${Date.now()}`, ...overrides });
}

export interface TestNumberOptions {
  readonly type: 'long_code' | '10dlc' | 'toll_free' | 'short_code';
  readonly country?: 'US' | 'CA';
  readonly verified?: boolean;
  readonly brandId?: string;
}

/** Registers a sender number to an account. */
export async function registerTestNumber(dataSource: DataSource, accountId: string, number: string, options: TestNumberOptions): Promise<void> {
  await dataSource.query(
    `INSERT INTO phone_numbers (number, account_id, country, number_type, verified, brand_id) VALUES ($1, $2, $3, $4, $5, $6)`,
    [number, accountId, options.country ?? 'US', options.type, options.verified ?? true, options.brandId ?? null],
  );
}

/**
 * Registers a fresh random sender number to the account (an unregistered-rate US long code
 * unless told) and returns it: a send's `src` must be a number of the account or its parent.
 */
export async function registerTestSender(dataSource: DataSource, accountId: string, options: Partial<TestNumberOptions> = {}): Promise<string> {
  for (;;) {
    const number = `1415${randomInt(200, 1_000)}${String(randomInt(10_000)).padStart(4, '0')}`;
    const rows: unknown[] = await dataSource.query(
      `INSERT INTO phone_numbers (number, account_id, country, number_type, verified, brand_id) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (number) DO NOTHING RETURNING number`,
      [number, accountId, options.country ?? 'US', options.type ?? 'long_code', options.verified ?? true, options.brandId ?? null],
    );
    if (rows.length > 0) return number;
  }
}

/** Creates a 10DLC brand and returns its id. */
export async function createTestBrand(
  dataSource: DataSource,
  accountId: string,
  options: { useCase?: string; vettingScore: number; tmobileTpdOverride?: number },
): Promise<string> {
  const rows: Array<{ brand_id: string }> = await dataSource.query(
    `INSERT INTO brands (account_id, name, use_case, vetting_score, tmobile_tpd_override) VALUES ($1, 'test brand', $2, $3, $4) RETURNING brand_id`,
    [accountId, options.useCase ?? 'mixed', options.vettingScore, options.tmobileTpdOverride ?? null],
  );
  return must(rows[0], 'the inserted brand').brand_id;
}

/** A dispatch-schedule job for a one-unit SMS, due at `dueAt`. */
export function testDispatchJob(dueAt: number, text = 'a test message of about sixty characters, one unit, GSM-7.'): DispatchJob {
  return {
    dueAt,
    message: {
      messageUuid: randomUUID(),
      accountId: 'MATEST00000000000000',
      type: MessageType.Sms,
      src: '14155550100',
      dst: '12025550100',
      text,
      encoding: TextEncoding.Gsm7,
      units: 1,
      mediaUrls: [],
      log: LogMode.All,
      acceptedAt: dueAt,
      messageExpiry: 10_800,
    },
  };
}
