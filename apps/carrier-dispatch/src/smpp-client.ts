// One SMPP 3.4 transceiver bind to the carrier: reconnects with back-off and bounds outstanding submits.
import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { preciseNowMs } from '@sluice/clock';
import * as smpp from 'smpp';
import { keepDeliverSmContentRaw } from './deliver-sm-content';

export interface SmppClientOptions {
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly window: number;
  readonly responseTimeoutMs: number;
  readonly enquireLinkMs: number;
  /** The longest wait between two attempts of this bind to bind again (SMPP_RECONNECT_MS). */
  readonly reconnectMs: number;
  /**
   * Where in each longest retry interval this bind tries again, as a fraction of it (0 by
   * default): the binds of a pool take turns, so a carrier that comes back is found within the
   * interval ÷ binds instead of all of them trying, and waiting, together.
   */
  readonly retryPhase?: number;
}

export interface SubmitResult {
  readonly commandStatus: number;
  readonly messageId: string | null;
  /** When the submit_sm was written to the socket (`preciseNowMs`: epoch ms to the microsecond). */
  readonly writtenAt: number;
  /** When its submit_sm_resp was read (`preciseNowMs`): the carrier had the submit by then. */
  readonly answeredAt: number;
}

/** The first wait before binding again; it doubles up to the longest (`reconnectMs`). */
const RECONNECT_FIRST_MS = 250;

export class SmppTimeoutError extends Error {}
export class SmppUnavailableError extends Error {}

/**
 * Handles a deliver_sm; it is answered once the returned promise settles: with the
 * command_status it resolves to (ESME_ROK when none), or ESME_RX_T_APPN when it rejects.
 */
export type DeliverHandler = (pdu: smpp.PDU) => Promise<number | void>;

/** ESME_RX_T_APPN: the ESME could not take the deliver_sm now; the SMSC sends it again later. */
const ESME_RX_T_APPN = 0x64;

/**
 * One bind. A deliver_sm is answered only after the handler has stored it (ESME_ROK) or
 * failed to (ESME_RX_T_APPN, so the carrier sends it again): a receipt or a mobile-originated
 * message is never acknowledged and then lost with the process. Its content reaches the
 * handler as the carrier's bytes (see deliver-sm-content.ts).
 */
export class SmppClient extends EventEmitter {
  private readonly logger = new Logger(SmppClient.name);
  private session: smpp.Session | null = null;
  private bound = false;
  private stopping = false;
  private reconnectDelayMs: number;
  private outstanding = 0;
  private readonly waiters: Array<() => void> = [];
  private deliverHandler: DeliverHandler = async () => undefined;
  private corked = false;

  constructor(private readonly options: SmppClientOptions) {
    super();
    this.reconnectDelayMs = Math.min(RECONNECT_FIRST_MS, options.reconnectMs);
    keepDeliverSmContentRaw();
  }

  onDeliver(handler: DeliverHandler): void {
    this.deliverHandler = handler;
  }

  isBound(): boolean {
    return this.bound;
  }

  start(): void {
    this.stopping = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const session = this.session;
    if (!session) return;
    await new Promise<void>((resolve) => {
      const done = setTimeout(() => resolve(), 1_000);
      session.unbind({}, () => {
        clearTimeout(done);
        resolve();
      });
    });
    session.close();
    this.session = null;
    this.bound = false;
  }

  /** Submits one PDU; waits for a free place in the window first. */
  async submit(fields: smpp.PduOptions): Promise<SubmitResult> {
    await this.acquire();
    try {
      return await new Promise<SubmitResult>((resolve, reject) => {
        const session = this.session;
        if (!session || !this.bound) {
          reject(new SmppUnavailableError('not bound to the carrier'));
          return;
        }
        const timer = setTimeout(() => reject(new SmppTimeoutError(`no submit_sm_resp within ${this.options.responseTimeoutMs} ms`)), this.options.responseTimeoutMs);
        const writtenAt = preciseNowMs();
        this.corkForTick(session);
        const written = session.submit_sm(fields, (pdu) => {
          clearTimeout(timer);
          resolve({ commandStatus: pdu.command_status, messageId: pdu.message_id ?? null, writtenAt, answeredAt: preciseNowMs() });
        });
        if (!written) {
          clearTimeout(timer);
          reject(new SmppUnavailableError('the carrier connection is not writable'));
        }
      });
    } finally {
      this.release();
    }
  }

  /**
   * The PDUs written in one tick (the submits whose moment came together, the answers to a
   * batch of receipts) leave in one write instead of one system call each; the socket is
   * uncorked before the next turn of the event loop, so none waits.
   */
  private corkForTick(session: smpp.Session): void {
    if (this.corked) return;
    this.corked = true;
    session.socket.cork();
    process.nextTick(() => {
      this.corked = false;
      session.socket.uncork();
    });
  }

  private async acquire(): Promise<void> {
    if (this.outstanding < this.options.window) {
      this.outstanding += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.outstanding += 1;
  }

  private release(): void {
    this.outstanding -= 1;
    this.waiters.shift()?.();
  }

  private connect(): void {
    const session = smpp.connect({ host: this.options.host, port: this.options.port, auto_enquire_link_period: this.options.enquireLinkMs });
    this.session = session;
    // A submit is written the moment it is admitted: Nagle's algorithm would hold it back until
    // the carrier acknowledged the previous segment (up to its delayed-ACK time, 40 ms on Linux).
    session.socket.setNoDelay(true);
    session.on('connect', () => {
      session.bind_transceiver({ system_id: this.options.systemId, password: this.options.password }, (pdu) => {
        if (pdu.command_status === smpp.ESME_ROK) {
          this.bound = true;
          this.reconnectDelayMs = Math.min(RECONNECT_FIRST_MS, this.options.reconnectMs);
          this.logger.log({ host: this.options.host, port: this.options.port }, 'bound to the carrier');
          this.emit('bound');
        } else {
          this.logger.error({ status: pdu.command_status }, 'the carrier refused the bind');
          session.close();
        }
      });
    });
    session.on('deliver_sm', (pdu) => {
      this.deliverHandler(pdu).then(
        (status) => {
          this.corkForTick(session);
          session.send(pdu.response(status ? { command_status: status } : {}));
        },
        () => {
          this.corkForTick(session);
          session.send(pdu.response({ command_status: ESME_RX_T_APPN }));
        },
      );
    });
    session.on('enquire_link', (pdu) => {
      session.send(pdu.response());
    });
    session.on('unbind', (pdu) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('error', (error: Error) => {
      this.logger.warn({ message: error.message }, 'carrier connection error');
    });
    session.on('close', () => {
      const wasBound = this.bound;
      this.bound = false;
      if (wasBound) this.emit('unbound');
      if (this.session === session) this.session = null;
      if (this.stopping) return;
      const delay = reconnectDelay(this.reconnectDelayMs, this.options.retryPhase ?? 0, Date.now(), this.options.reconnectMs);
      // At most SMPP_RECONNECT_MS apart: a carrier that is back is found within that ÷ the binds.
      this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, this.options.reconnectMs);
      setTimeout(() => this.connect(), delay).unref();
    });
  }
}

/**
 * How long to wait before binding again. While backing off, the back-off (`backoffMs`); at the
 * longest interval (`intervalMs`), until this bind's turn in it (`phase` of the interval past
 * each whole interval of the clock, `nowMs`), never sooner than a quarter interval: a pool's
 * binds then try at evenly spread moments, whatever the moment they lost the carrier together.
 */
export function reconnectDelay(backoffMs: number, phase: number, nowMs: number, intervalMs: number): number {
  if (backoffMs < intervalMs) return backoffMs;
  const turn = (((phase * intervalMs - nowMs) % intervalMs) + intervalMs) % intervalMs;
  return turn < intervalMs / 4 ? turn + intervalMs : turn;
}
