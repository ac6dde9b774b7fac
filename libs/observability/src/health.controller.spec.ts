// The readiness probe names the service that answers it, so a launcher can tell its app from another process on the port.
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SERVICE_HEADER } from '@sluice/processes';
import { ObservabilityModule } from './observability.module';
import { ReadinessRegistry } from './readiness.registry';

@Module({ imports: [ObservabilityModule.forRoot({ service: 'health-spec', logLevel: 'silent' })] })
class ProbeModule {}

describe('the health controller', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('names the service on its readiness answer', async () => {
    const answer = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/health/ready' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers[SERVICE_HEADER]).toBe('health-spec');
  });

  it('still answers 503 when a dependency is down', async () => {
    app.get(ReadinessRegistry).register('broken', async () => {
      throw new Error('down for the test');
    });
    const answer = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/health/ready' });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toMatchObject({ status: 'error', error: { broken: { status: 'down', message: 'down for the test' } } });
  });
});
