// Probes and scrapes: never run in the request logger's AsyncLocalStorage (it is bound to API
// requests only), and the readiness answer names the service that gives it.
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SERVICE_HEADER } from '@sluice/processes';
import { storage } from 'nestjs-pino/storage';
import { ObservabilityModule } from './observability.module';
import { ReadinessRegistry } from './readiness.registry';

@Controller('ping')
class PingController {
  @Get()
  ping(): { ok: true } {
    return { ok: true };
  }
}

/** The app at a log level; `info` writes one line per API request (here, to the test's output). */
async function start(logLevel: string): Promise<NestFastifyApplication> {
  @Module({ imports: [ObservabilityModule.forRoot({ service: 'logger-spec', logLevel })], controllers: [PingController] })
  class ProbeModule {}
  const app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** How many requests to `urls` ran in the request logger's AsyncLocalStorage. */
async function bound(app: NestFastifyApplication, urls: readonly string[]): Promise<number> {
  const run = jest.spyOn(storage, 'run');
  try {
    for (const url of urls) expect((await app.getHttpAdapter().getInstance().inject({ method: 'GET', url })).statusCode).toBeLessThan(600);
    return run.mock.calls.length;
  } finally {
    run.mockRestore();
  }
}

const PROBES = ['/health', '/health/live', '/health/ready', '/metrics'];

describe('probes, scrapes and request logging', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await start('info');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('at info, binds no request logger to /health, /health/live, /health/ready and /metrics, and one to every other route', async () => {
    expect(await bound(app, PROBES)).toBe(0);
    expect(await bound(app, ['/ping'])).toBe(1);
  });

  it('above info, where no request line is written, binds a request logger to no route at all', async () => {
    for (const level of ['warn', 'silent']) {
      const quiet = await start(level);
      try {
        expect(await bound(quiet, [...PROBES, '/ping'])).toBe(0);
      } finally {
        await quiet.close();
      }
    }
  });

  it('names the service on its readiness answer', async () => {
    const answer = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/health/ready' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers[SERVICE_HEADER]).toBe('logger-spec');
  });

  it('answers 503 when a dependency is down', async () => {
    app.get(ReadinessRegistry).register('broken', async () => {
      throw new Error('down for the test');
    });
    const answer = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/health/ready' });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toMatchObject({ status: 'error', error: { broken: { status: 'down', message: 'down for the test' } } });
  });
});
