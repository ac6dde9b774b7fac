// The request logger is bound to API requests only: probes and scrapes never run in its AsyncLocalStorage.
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { storage } from 'nestjs-pino/storage';
import { ObservabilityModule } from './observability.module';

@Controller('ping')
class PingController {
  @Get()
  ping(): { ok: true } {
    return { ok: true };
  }
}

@Module({ imports: [ObservabilityModule.forRoot({ service: 'logger-spec', logLevel: 'silent' })], controllers: [PingController] })
class ProbeModule {}

describe('request logging', () => {
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
});
