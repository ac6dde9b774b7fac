// The customers' Message URL for a two-way run: records every inbound request and answers with
// Message XML (a reply from the number to the mobile) or an empty 200.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InboundRequest {
  readonly messageUuid: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly receivedAt: number;
  readonly signed: boolean;
  /** Whether this request was answered with Message XML. */
  readonly replied: boolean;
}

const MAX_BODY_BYTES = 64 * 1024;

export class MessageUrlReceiver {
  readonly requests: InboundRequest[] = [];
  /** Requests without the fields of an inbound message. */
  malformed = 0;
  private server: Server | null = null;

  /** `reply(text)` says whether to answer that message with Message XML. */
  constructor(
    private readonly reply: (text: string) => boolean,
    private readonly clock: () => number = () => performance.timeOrigin + performance.now(),
  ) {}

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

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const receivedAt = this.clock();
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      if (body.length < MAX_BODY_BYTES) body += chunk;
    });
    request.on('end', () => {
      const params = request.method === 'GET' ? new URL(request.url ?? '/', 'http://receiver').searchParams : new URLSearchParams(body);
      const messageUuid = params.get('MessageUUID');
      const from = params.get('From');
      const to = params.get('To');
      if (!messageUuid || !from || !to) {
        this.malformed += 1;
        response.writeHead(200).end();
        return;
      }
      const text = params.get('Text') ?? '';
      const replied = this.reply(text);
      this.requests.push({ messageUuid, from, to, text, receivedAt, signed: typeof request.headers['x-plivo-signature-v3'] === 'string', replied });
      if (!replied) {
        response.writeHead(200).end();
        return;
      }
      const xml = `<Response><Message src="${to}" dst="${from}">re: ${escapeXml(text)}</Message></Response>`;
      response.writeHead(200, { 'content-type': 'application/xml' }).end(xml);
    });
  }
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
