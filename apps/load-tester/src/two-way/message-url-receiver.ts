// The customers' Message URL for a two-way run: records every inbound request and answers with
// Message XML (a reply from the number to the mobile) or an empty 200.
import type { ServerResponse } from 'node:http';
import { PlivoRequest, PlivoRequestReceiver } from '../receiver/plivo-request-receiver';

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

export class MessageUrlReceiver extends PlivoRequestReceiver {
  readonly requests: InboundRequest[] = [];

  /** `reply(text)` says whether to answer that message with Message XML. */
  constructor(
    private readonly reply: (text: string) => boolean,
    clock: () => number = () => performance.timeOrigin + performance.now(),
  ) {
    super(clock);
  }

  /** Requests without the fields of an inbound message are counted in `malformed`. */
  protected receive({ fields, receivedAt, signed }: PlivoRequest, response: ServerResponse): void {
    const messageUuid = fields.get('MessageUUID');
    const from = fields.get('From');
    const to = fields.get('To');
    if (!messageUuid || !from || !to) {
      this.malformed += 1;
      response.writeHead(200).end();
      return;
    }
    const text = fields.get('Text') ?? '';
    const replied = this.reply(text);
    this.requests.push({ messageUuid, from, to, text, receivedAt, signed, replied });
    if (!replied) {
      response.writeHead(200).end();
      return;
    }
    const xml = `<Response><Message src="${to}" dst="${from}">re: ${escapeXml(text)}</Message></Response>`;
    response.writeHead(200, { 'content-type': 'application/xml' }).end(xml);
  }
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
