// Boots the gateway in-process (Nest's testing module, the same Fastify setup as main.ts) against the test infrastructure.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@sluice/config';
import { testInfrastructure } from '@sluice/testing';
import { randomInt, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppModule } from '../src/app.module';
import { configureGatewayApp, gatewayAdapter } from '../src/gateway.app';
import { GatewayConfig, gatewayEnv } from '../src/gateway.config';

export const ADMIN_TOKEN = `test-admin-${randomUUID()}`;

export interface TestGateway {
  readonly url: string;
  readonly config: GatewayConfig;
  readonly app: NestFastifyApplication;
  close(): Promise<void>;
}

/** `undefined` in overrides removes a variable (e.g. ADMIN_TOKEN: the admin API is then absent). */
export function gatewayTestEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const infra = testInfrastructure();
  const env: Record<string, string | undefined> = {
    PORT: '1',
    DATABASE_URL: infra.databaseUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    REDIS_URL: infra.redisUrl,
    LOG_LEVEL: 'warn',
    ADMIN_TOKEN,
    RETENTION_INTERVAL_MS: '0',
    MEDIA_ALLOWED_HOSTS: '127.0.0.1',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export async function startTestGateway(overrides: Record<string, string | undefined> = {}): Promise<TestGateway> {
  const config = loadConfig('api-gateway', gatewayEnv, gatewayTestEnv(overrides));
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.register(config)] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(gatewayAdapter(config), { bufferLogs: true });
  configureGatewayApp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, config, app, close: () => app.close() };
}

/** The admin API of a test gateway, for creating what tests need through the same code operators use. */
export class Admin {
  constructor(private readonly url: string) {}

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  async account(settings: Record<string, unknown> = {}): Promise<{ authId: string; authToken: string }> {
    const created = await this.request<{ auth_id: string; auth_token: string }>('POST', '/accounts', { name: `test-${randomUUID()}`, api_request_rate: 10_000, ...settings });
    if (created.status !== 201) throw new Error(`account not created: ${JSON.stringify(created.body)}`);
    return { authId: created.body.auth_id, authToken: created.body.auth_token };
  }

  /** Registers a fresh sender number (an unregistered-rate US long code unless told) to the account; returns its E.164 digits. */
  async sender(accountId: string, settings: Record<string, unknown> = {}): Promise<string> {
    const number = senderNumber();
    const put = await this.request('PUT', `/numbers/${number}`, { account_id: accountId, country: 'US', number_type: 'long_code', ...settings });
    if (put.status !== 200) throw new Error(`number not registered: ${JSON.stringify(put.body)}`);
    return number;
  }

  async subaccount(parent: string, settings: Record<string, unknown> = {}): Promise<{ authId: string; authToken: string }> {
    const created = await this.request<{ auth_id: string; auth_token: string }>('POST', `/accounts/${parent}/subaccounts`, { name: `sub-${randomUUID()}`, api_request_rate: 10_000, ...settings });
    if (created.status !== 201) throw new Error(`subaccount not created: ${JSON.stringify(created.body)}`);
    return { authId: created.body.auth_id, authToken: created.body.auth_token };
  }
}

/** A random dialable 415 number: sender numbers are unique across accounts, and tests run in parallel processes. */
export function senderNumber(): string {
  return `1415${randomInt(200, 1_000)}${String(randomInt(10_000)).padStart(4, '0')}`;
}

export function basic(account: { authId: string; authToken: string }): string {
  return `Basic ${Buffer.from(`${account.authId}:${account.authToken}`).toString('base64')}`;
}

/** A media host: answers HEAD (and GET) per path with the content type and length the test asks for. */
export class MediaServer {
  private server: Server | null = null;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      const [, kind, size] = /^\/(\w+)\/(\d+)/.exec(path ?? '') ?? [];
      if (kind === 'missing' || !kind) {
        response.writeHead(404).end();
      } else if (kind === 'chunked') {
        response.writeHead(200, { 'content-type': 'image/png', 'transfer-encoding': 'chunked' }).end();
      } else if (kind === 'html') {
        response.writeHead(200, { 'content-type': 'text/html', 'content-length': size }).end();
      } else if (kind === 'redirect') {
        response.writeHead(302, { location: `/png/${size}` }).end();
      } else {
        response.writeHead(200, { 'content-type': kind === 'png' ? 'image/png' : 'image/jpeg', 'content-length': size }).end();
      }
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
