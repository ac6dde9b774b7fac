// The api-gateway's admin send endpoint as callback-service calls it for Message XML replies:
// records each request and answers as the gateway does (202 with uuids, or a 400 naming the parameter).
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SendRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
  readonly answeredUuids: readonly string[];
}

export class GatewayAdminStub {
  readonly requests: SendRequest[] = [];
  /** A src that the stub refuses as the gateway refuses another account's number. */
  static readonly REFUSED_SRC = '19995550000';
  private server: Server | null = null;

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void readJson(req).then((body) => {
        const refused = body['src'] === GatewayAdminStub.REFUSED_SRC;
        const uuids = refused ? [] : [randomUUID()];
        this.requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body, answeredUuids: uuids });
        const answer = refused
          ? { status: 400, body: { api_id: randomUUID(), error: 'src: This caller ID is not allowed for outbound message' } }
          : { status: 202, body: { api_id: randomUUID(), message: 'message(s) queued', message_uuid: uuids } };
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      try {
        resolve(JSON.parse(body) as Record<string, unknown>);
      } catch {
        resolve({});
      }
    });
  });
}
