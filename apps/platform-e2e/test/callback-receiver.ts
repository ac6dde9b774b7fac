// A local HTTP endpoint that records the status callbacks it receives.
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  readonly method: string;
  readonly params: Record<string, string>;
}

export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
        const params = Object.fromEntries(req.method === 'GET' ? query : new URLSearchParams(body));
        this.received.push({ method: req.method ?? '', params });
        res.writeHead(200).end('ok');
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`;
  }

  forMessage(messageUuid: string): ReceivedCallback[] {
    return this.received.filter((c) => c.params['MessageUUID'] === messageUuid);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => resolve(body));
  });
}
