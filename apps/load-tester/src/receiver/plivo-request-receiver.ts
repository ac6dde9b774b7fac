// The customer's end of the platform's HTTP requests (status callbacks, Message URL requests):
// Plivo sends fields as a POST form or a GET query, signed with X-Plivo-Signature-V3.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const MAX_BODY_BYTES = 64 * 1024;

export interface PlivoRequest {
  /** The POST form's fields, or the GET query's. */
  readonly fields: URLSearchParams;
  readonly receivedAt: number;
  readonly signed: boolean;
}

export abstract class PlivoRequestReceiver {
  /** Requests that were not what the receiver expects. */
  malformed = 0;
  private server: Server | null = null;

  protected constructor(private readonly clock: () => number) {}

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
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  }

  /** Records one request and answers it. */
  protected abstract receive(request: PlivoRequest, response: ServerResponse): void;

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const receivedAt = this.clock();
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      const fields =
        request.method === 'GET' ? new URL(request.url ?? '/', 'http://receiver').searchParams : new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      this.receive({ fields, receivedAt, signed: typeof request.headers['x-plivo-signature-v3'] === 'string' }, response);
    });
    request.on('error', () => {
      this.malformed += 1;
    });
  }
}
