// Starts a Sluice service on Fastify with validated config, pino logs and graceful shutdown.
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, CpuScheduling, setCpuScheduling } from '@sluice/config';
import { Logger } from 'nestjs-pino';

export interface ServiceBootstrap {
  /** Named in start-up errors. */
  readonly service: string;
  readonly module: DynamicModule;
  readonly port: number;
  readonly host: string;
  /** Request body cap in bytes (Fastify answers 413 past it). */
  readonly bodyLimit?: number;
  /** CPU_SCHEDULING: the Linux scheduling policy of every thread of the process. */
  readonly cpuScheduling: CpuScheduling;
}

export async function startService({ service, module, port, host, bodyLimit, cpuScheduling }: ServiceBootstrap): Promise<INestApplication> {
  const refused = setCpuScheduling(cpuScheduling);
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: bodyLimit ?? 1024 * 1024, trustProxy: true, routerOptions: { ignoreTrailingSlash: true } }),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  warnIfNotScheduled(app, cpuScheduling, refused);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  try {
    await app.listen(port, host);
  } catch (error: unknown) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError(service, [`PORT: ${port} on ${host} is already in use`]);
    }
    throw error;
  }
  return app;
}

/** Says in the service's log that CPU_SCHEDULING could not be applied (`refused` is why); the service runs on as started. */
export function warnIfNotScheduled(app: INestApplication, policy: CpuScheduling, refused: string | null): void {
  if (refused !== null) app.get(Logger).warn({ cpuScheduling: policy, reason: refused }, `CPU_SCHEDULING=${policy} not applied`);
}
