// The customer's end of status callbacks: accepts Plivo's POST (form) and GET (query) callbacks and remembers each.
import type { ServerResponse } from 'node:http';
import { PlivoRequest, PlivoRequestReceiver } from './plivo-request-receiver';

export interface ReceivedCallback {
  readonly messageUuid: string;
  readonly status: string;
  /** Plivo's `Sequence`: the status change's number for the message; NaN when absent. */
  readonly sequence: number;
  readonly errorCode: string;
  readonly receivedAt: number;
  readonly signed: boolean;
}

export class CallbackReceiver extends PlivoRequestReceiver {
  readonly callbacks: ReceivedCallback[] = [];

  constructor(clock: () => number = () => performance.timeOrigin + performance.now()) {
    super(clock);
  }

  protected receive(request: PlivoRequest, response: ServerResponse): void {
    this.remember(request);
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }

  private remember({ fields, receivedAt, signed }: PlivoRequest): void {
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
      signed,
    });
  }
}
