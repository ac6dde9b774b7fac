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
  const app = await createScheduled(cpuScheduling, async () => {
    const created = await NestFactory.create<NestFastifyApplication>(
      module,
      new FastifyAdapter({ bodyLimit: bodyLimit ?? 1024 * 1024, trustProxy: true, routerOptions: { ignoreTrailingSlash: true } }),
      { bufferLogs: true },
    );
    created.useLogger(created.get(Logger));
    return created;
  });
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

/**
 * Sets the process's scheduling policy (CPU_SCHEDULING), then creates the app; when the policy
 * could not be set, the app's log says why and the service runs on under the policy it started with.
 */
export async function createScheduled<App extends INestApplication>(policy: CpuScheduling, create: () => Promise<App>): Promise<App> {
  const refused = setCpuScheduling(policy);
  const app = await create();
  if (refused !== null) app.get(Logger).warn(`CPU_SCHEDULING=${policy} not applied: ${refused}`);
  return app;
}
