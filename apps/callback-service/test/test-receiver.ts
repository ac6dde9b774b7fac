// A customer's callback endpoint for tests: records every request and answers as each test scripts it.
import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  readonly method: string;
  /** The url as the receiver sees it (Host header + request target): what a validator is given. */
  readonly url: string;
  readonly params: Record<string, string>;
  /** The raw request body, as a signature over it is checked. */
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
  readonly receivedAt: number;
  /** Set once the exchange ends: true when the client dropped the connection before the answer was complete. */
  cutOff?: boolean;
}

export type Reply =
  | { readonly status: number; readonly delayMs?: number; readonly headers?: Record<string, string>; readonly body?: string }
  /** Answer only when the test calls `release()` (or never). */
  | { readonly hold: true }
  /** A 200 with a body of this many bytes. */
  | { readonly streamBytes: number };

export class TestReceiver {
  readonly received: ReceivedCallback[] = [];
  /** Decides the answer to each request; `index` counts the requests with the same MessageUUID and Sequence. */
  reply: (callback: ReceivedCallback, index: number) => Reply = () => ({ status: 200 });
  private server: Server | null = null;
  private readonly held: ServerResponse[] = [];
  private open = 0;
  maxOpen = 0;

  constructor(private readonly host = '127.0.0.1') {}

  /** Starts listening; returns the base url (`http://host:port`). */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 30_000;
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, this.host, resolve));
    return this.baseUrl();
  }

  baseUrl(): string {
    return `http://${this.host}:${this.port()}`;
  }

  port(): number {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('the receiver is not listening');
    return (address as AddressInfo).port;
  }

  forMessage(messageUuid: string): ReceivedCallback[] {
    return this.received.filter((c) => c.params['MessageUUID'] === messageUuid);
  }

  openRequests(): number {
    return this.open;
  }

  /** Answers every held request with `status`; later requests get the normal reply. */
  release(status = 200): void {
    for (const res of this.held.splice(0)) if (!res.destroyed) res.writeHead(status).end('ok');
  }

  async stop(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.open += 1;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    let callback: ReceivedCallback | null = null;
    res.on('close', () => {
      this.open -= 1;
      if (callback) callback.cutOff = !res.writableFinished;
    });
    const body = await readBody(req);
    const url = `http://${req.headers.host}${req.url ?? '/'}`;
    const params = Object.fromEntries(req.method === 'GET' ? new URL(url).searchParams : new URLSearchParams(body));
    callback = { method: req.method ?? '', url, params, body, headers: req.headers, receivedAt: Date.now() };
    const index = this.received.filter((c) => c.params['MessageUUID'] === params['MessageUUID'] && c.params['Sequence'] === params['Sequence']).length;
    this.received.push(callback);
    const reply = this.reply(callback, index);
    if ('hold' in reply) {
      this.held.push(res);
      return;
    }
    if ('streamBytes' in reply) {
      stream(res, reply.streamBytes);
      return;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (!res.destroyed) res.writeHead(reply.status, reply.headers).end(reply.body ?? 'ok');
  }
}

function stream(res: ServerResponse, total: number): void {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(total) });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const pump = () => {
    while (sent < total && !res.destroyed) {
      const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += part.length;
      if (!res.write(part)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => resolve(body));
    req.on('error', () => resolve(body));
  });
}
