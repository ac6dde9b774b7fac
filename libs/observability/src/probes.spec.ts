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

@Module({ imports: [ObservabilityModule.forRoot({ service: 'logger-spec', logLevel: 'silent' })], controllers: [PingController] })
class ProbeModule {}

describe('probes, scrapes and request logging', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('binds no request logger to /health, /health/live, /health/ready and /metrics, and one to every other route', async () => {
    const run = jest.spyOn(storage, 'run');
    const fastify = app.getHttpAdapter().getInstance();
    for (const url of ['/health', '/health/live', '/health/ready', '/metrics']) {
      expect((await fastify.inject({ method: 'GET', url })).statusCode).toBeLessThan(600);
    }
    expect(run).not.toHaveBeenCalled();
    expect((await fastify.inject({ method: 'GET', url: '/ping' })).statusCode).toBe(200);
    expect(run).toHaveBeenCalledTimes(1);
    run.mockRestore();
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
