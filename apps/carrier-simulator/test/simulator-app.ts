// Boots the carrier-simulator on loopback ports for integration tests, with small HTTP helpers.
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@sluice/config';
import { AppModule } from '../src/app.module';
import { simulatorEnv } from '../src/simulator.config';
import { freePort } from './smpp-test-client';

export interface RunningSimulator {
  readonly app: NestFastifyApplication;
  readonly baseUrl: string;
  readonly smppPort: number;
}

export async function startSimulator(env: Record<string, string> = {}): Promise<RunningSimulator> {
  const smppPort = await freePort();
  // PORT must pass validation; the test then listens on port 0 itself.
  const config = loadConfig('carrier-simulator', simulatorEnv, {
    PORT: '1',
    SMPP_PORT: String(smppPort),
    LOG_LEVEL: 'silent',
    RECEIPT_DELAY_MS: '20',
    ...env,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config), new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, baseUrl: await app.getUrl(), smppPort };
}

export interface JsonResponse<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** Sends JSON (when a body is given) and reads JSON back (null for an empty answer). */
export async function http<T = unknown>(baseUrl: string, method: string, path: string, body?: unknown): Promise<JsonResponse<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
}

export async function metricsText(baseUrl: string): Promise<string> {
  return (await fetch(`${baseUrl}/metrics`)).text();
}
