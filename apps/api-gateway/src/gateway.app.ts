// Builds the gateway's Nest application on Fastify; main.ts listens, tests use the same setup.
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module';
import { setupApiDocs } from './docs/api-docs';
import type { GatewayConfig } from './gateway.config';

/** Structural, because @nestjs/platform-fastify carries its own copy of Fastify's types. */
interface MinimalReply {
  code(status: number): { type(contentType: string): { send(body: unknown): unknown } };
}

export function gatewayAdapter(config: GatewayConfig): FastifyAdapter {
  const options = {
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: true,
    routerOptions: { ignoreTrailingSlash: true },
    // Errors before routing (an undecodable URL) get Plivo's error body too.
    frameworkErrors: (error: { code?: string }, _request: unknown, reply: MinimalReply) => {
      void reply
        .code(400)
        .type('application/json; charset=utf-8')
        .send({ api_id: randomUUID(), error: error.code === 'FST_ERR_BAD_URL' ? 'malformed URL' : 'bad request' });
    },
  };
  return new FastifyAdapter(options as unknown as { bodyLimit: number });
}

/** Logger and API docs; call before listen (Fastify takes no routes after it starts). */
export function configureGatewayApp(app: NestFastifyApplication): void {
  app.useLogger(app.get(Logger));
  setupApiDocs(app);
}

export async function createGatewayApp(config: GatewayConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config), gatewayAdapter(config), { bufferLogs: true });
  configureGatewayApp(app);
  return app;
}
