// The comparison point for the gateway: Fastify parsing the same JSON body and answering 202
// with the same shape, nothing else. Run as a child process by the ceilings and floor steps,
// which also post form-encoded callbacks to it (answered 200, as a customer's endpoint would).
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/v1/Account/:authId/Message/', async (_request, reply) =>
    reply.code(202).send({ api_id: randomUUID(), message: 'message(s) queued', message_uuid: [randomUUID()] }),
  );
  app.post('/status', async (_request, reply) => reply.code(200).send('OK'));
  await app.listen({ port: Number(process.env['PORT']), host: '127.0.0.1' });
  process.send?.('ready');
}

void main();
