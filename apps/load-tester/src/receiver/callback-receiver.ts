// The customer's end of status callbacks: accepts Plivo's POST (form) and GET (query) callbacks and remembers each.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  readonly messageUuid: string;
  readonly status: string;
  /** Plivo's `Sequence`: the status change's number for the message; NaN when absent. */
  readonly sequence: number;
  readonly errorCode: string;
  readonly receivedAt: number;
  readonly signed: boolean;
}

const MAX_BODY_BYTES = 64 * 1024;

export class CallbackReceiver {
  readonly callbacks: ReceivedCallback[] = [];
  /** Requests that were not a recognisable status callback. */
  malformed = 0;
  private server: Server | null = null;

  constructor(private readonly clock: () => number = () => performance.timeOrigin + performance.now()) {}

  /** Listens on host:port (0 picks a free port); answers the port. */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer((request, response) => this.handle(request, response));
    server.keepAliveTimeout = 60_000;
    this.server = server;
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolveListen());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const receivedAt = this.clock();
    const query = new URL(request.url ?? '/', 'http://receiver').searchParams;
    if (request.method === 'GET') {
      this.remember(query, receivedAt, request);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      this.remember(new URLSearchParams(Buffer.concat(chunks).toString('utf8')), receivedAt, request);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    request.on('error', () => {
      this.malformed += 1;
    });
  }

  private remember(fields: URLSearchParams, receivedAt: number, request: IncomingMessage): void {
    const messageUuid = fields.get('MessageUUID');
    const status = fields.get('Status');
    if (!messageUuid || !status) {
      this.malformed += 1;
      return;
    }
    this.callbacks.push({
      messageUuid: messageUuid.toLowerCase(),
      status,
      sequence: Number(fields.get('Sequence') ?? NaN),
      errorCode: fields.get('ErrorCode') ?? '',
      receivedAt,
      signed: typeof request.headers['x-plivo-signature-v3'] === 'string',
    });
  }
}
