// A minimal ESME for tests: real SMPP over TCP through the smpp package's client.
import { createServer } from 'node:net';
import * as smpp from 'smpp';
import type { PDU, PduOptions, Session } from 'smpp';

/** A port nobody listens on right now (the OS picks it, then it is released for the test to use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address && typeof address === 'object' ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Rejects with a readable reason instead of letting Jest's timeout speak. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class TestEsme {
  /** deliver_sm received (already answered with deliver_sm_resp), not yet taken by a test. */
  private readonly delivered: PDU[] = [];
  private readonly waiters: Array<(pdu: PDU) => void> = [];
  private readonly closedPromise: Promise<void>;
  /** Set when the SMSC sent unbind (the client answers it). */
  unbindReceived = false;
  /** Every PDU received, in order, as `command` (e.g. `deliver_sm`, `submit_sm_resp`). */
  readonly received: string[] = [];

  private constructor(readonly session: Session) {
    this.closedPromise = new Promise((resolve) => session.once('close', () => resolve()));
    session.on('pdu', (pdu) => this.received.push(pdu.command));
    session.on('error', () => undefined); // resets at close are expected in these tests
    session.on('deliver_sm', (pdu) => {
      session.send(pdu.response());
      const waiter = this.waiters.shift();
      if (waiter) waiter(pdu);
      else this.delivered.push(pdu);
    });
    session.on('unbind', (pdu) => {
      this.unbindReceived = true;
      session.send(pdu.response());
    });
  }

  static connect(port: number): Promise<TestEsme> {
    return within(
      2_000,
      'SMPP connection',
      new Promise((resolve, reject) => {
        const session = smpp.connect({ host: '127.0.0.1', port });
        session.once('error', reject);
        session.once('connect', () => resolve(new TestEsme(session)));
      }),
    );
  }

  /** Sends a request PDU and resolves with its response. */
  request(command: string, options: PduOptions = {}): Promise<PDU> {
    return within(
      2_000,
      `${command}_resp`,
      new Promise((resolve, reject) => {
        if (!this.session.send(new smpp.PDU(command, options), resolve)) reject(new Error('socket not writable'));
      }),
    );
  }

  bind(command = 'bind_transceiver', system_id = 'sluice', password = 'sluice'): Promise<PDU> {
    return this.request(command, { system_id, password });
  }

  submit(options: PduOptions): Promise<PDU> {
    return this.request('submit_sm', options);
  }

  nextDeliverSm(timeoutMs = 2_000): Promise<PDU> {
    const ready = this.delivered.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise<PDU>((resolve, reject) => {
      const waiter = (pdu: PDU) => {
        clearTimeout(timer);
        resolve(pdu);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no deliver_sm within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Receipts already received and not taken. */
  get pendingDeliveries(): number {
    return this.delivered.length;
  }

  closed(timeoutMs = 2_000): Promise<void> {
    return within(timeoutMs, 'connection close', this.closedPromise);
  }

  destroy(): Promise<void> {
    this.session.destroy();
    return this.closedPromise;
  }
}
