// OpenAPI at /docs (Swagger UI) and /docs-json, for the Message API and the admin API.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sluice API</title><link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/assets/init.js"></script></body></html>`;
const INIT = `window.ui = SwaggerUIBundle({ url: '/docs-json', dom_id: '#swagger-ui', deepLinking: true });`;

/** Swagger UI's files are served from the swagger-ui-dist package by two routes (no static-file plugin needed). */
export function setupApiDocs(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Sluice API')
      .setDescription(
        'The Plivo-compatible Message API (HTTP Basic with auth id and auth token) and the operators\' admin API (Bearer ADMIN_TOKEN; present only when ADMIN_TOKEN is set).',
      )
      .setVersion('1')
      .addBasicAuth()
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { ui: false, raw: ['json'] });
  const fastify = app.getHttpAdapter().getInstance();
  const assets = new Map<string, { type: string; body: () => Buffer | string }>([
    ['swagger-ui.css', { type: 'text/css', body: lazyFile('swagger-ui.css') }],
    ['swagger-ui-bundle.js', { type: 'application/javascript', body: lazyFile('swagger-ui-bundle.js') }],
    ['init.js', { type: 'application/javascript', body: () => INIT }],
  ]);
  fastify.get('/docs', (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  fastify.get<{ Params: { file: string } }>('/docs/assets/:file', (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) return reply.code(404).type('application/json').send({ api_id: null, error: 'not found' });
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body());
  });
}

function lazyFile(name: string): () => Buffer {
  let content: Buffer | null = null;
  return () => (content ??= readFileSync(join(dirname(require.resolve('swagger-ui-dist/package.json')), name)));
}
