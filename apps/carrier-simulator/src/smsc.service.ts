// The simulated SMSC: an SMPP 3.4 server that authenticates binds, accepts submit_sm and sends delivery receipts.
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigError } from '@sluice/config';
import * as smpp from 'smpp';
import type { PDU, PduOptions, Server, Session } from 'smpp';
import { normalizeAddress } from './address';
import { carrierFor } from './carriers';
import { messageStateFor, receiptOutcome, receiptText, wantsReceipt } from './delivery-receipt';
import { readContent } from './short-message';
import { SIMULATOR_CONFIG, SimulatorConfig } from './simulator.config';
import { SimulatorMetrics } from './simulator.metrics';
import { ReceiptStatus, SubmissionStore } from './submission.store';

type BindMode = 'transceiver' | 'transmitter' | 'receiver';

const BIND_MODES: ReadonlyMap<string, BindMode> = new Map([
  ['bind_transceiver', 'transceiver'],
  ['bind_transmitter', 'transmitter'],
  ['bind_receiver', 'receiver'],
]);

/** system_id the simulator answers binds with (the SMSC's own name). */
const SMSC_SYSTEM_ID = 'SLUICESIM';
/** A receipt the ESME answered with an error is tried again after this long, this many times in all. */
const RECEIPT_RETRY_MS = 1_000;
const MAX_RECEIPT_ATTEMPTS = 5;
/** Receipts waiting for a receiver to bind; past this the oldest are dropped, like a real SMSC's store would. */
const MAX_PENDING_RECEIPTS = 100_000;
/** How long shutdown waits for an ESME to answer unbind before cutting the connection. */
const UNBIND_GRACE_MS = 500;

interface Connection {
  readonly session: Session;
  /** ip:port of the ESME, for logs. */
  readonly remote: string;
  mode?: BindMode;
  systemId?: string;
  closed: boolean;
  /** deliver_sm written on this session and not answered yet, by sequence number. */
  readonly inflight: Map<number, PendingReceipt>;
}

interface PendingReceipt {
  readonly systemId: string;
  readonly carrierMessageId: string;
  readonly status: ReceiptStatus;
  /** The session the message came in on: the receipt goes back there while it can. */
  readonly origin: Connection;
  /** Options of the deliver_sm; a fresh PDU is built per attempt so each gets its own sequence number. */
  readonly pdu: PduOptions;
  attempts: number;
}

@Injectable()
export class SmscService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SmscService.name);
  private server?: Server;
  private readonly connections = new Set<Connection>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Map<string, PendingReceipt[]>();
  private pendingCount = 0;
  private stopping = false;

  constructor(
    @Inject(SIMULATOR_CONFIG) private readonly config: SimulatorConfig,
    private readonly store: SubmissionStore,
    private readonly metrics: SimulatorMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = smpp.createServer({ debug: false }, (session) => this.accept(session));
    const { SMPP_HOST: host, SMPP_PORT: port } = this.config;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      throw explainListenError(error, host, port);
    });
    server.on('error', (error) => this.logger.error({ err: error }, 'SMPP server error'));
    this.server = server;
    this.logger.log({ host, port }, 'SMPP server listening');
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...this.connections].map((connection) => this.unbindAndClose(connection)));
    await closed;
    this.logger.log('SMPP server closed');
  }

  /** For the readiness check: resolves while the SMPP port accepts connections. */
  async assertListening(): Promise<void> {
    if (!this.server?.listening) throw new Error('SMPP server is not listening');
  }

  private accept(session: Session): void {
    const connection: Connection = {
      session,
      remote: `${session.socket.remoteAddress ?? '?'}:${session.socket.remotePort ?? '?'}`,
      closed: false,
      inflight: new Map(),
    };
    this.connections.add(connection);
    // Without a listener an 'error' (e.g. ECONNRESET, oversized PDU) would crash the process.
    session.on('error', (error) => {
      this.logger.warn({ remote: connection.remote, err: error.message }, 'SMPP session error');
      session.destroy();
    });
    session.on('close', () => this.onClose(connection));
    session.on('pdu', (pdu) => {
      // smpp@0.5.1 emits from inside its read loop; an exception here would leave that loop
      // stuck and escape as an uncaught exception, so nothing may be thrown from a handler.
      try {
        this.onPdu(connection, pdu);
      } catch (error: unknown) {
        this.logger.error({ err: error, command: pdu.command }, 'SMPP PDU handling failed');
        if (!pdu.isResponse()) this.reply(connection, pdu, { command_status: smpp.ESME_RSYSERR });
      }
    });
  }

  private onPdu(connection: Connection, pdu: PDU): void {
    // Responses (deliver_sm_resp, unbind_resp, ...) reach the callbacks given to send().
    if (pdu.isResponse()) return;
    const bindMode = BIND_MODES.get(pdu.command);
    if (bindMode) return this.onBind(connection, pdu, bindMode);
    switch (pdu.command) {
      case 'enquire_link':
        return this.reply(connection, pdu);
      case 'unbind':
        return this.onUnbind(connection, pdu);
      case 'submit_sm':
        return this.onSubmit(connection, pdu);
      default:
        return this.refuseCommand(connection, pdu);
    }
  }

  private onBind(connection: Connection, pdu: PDU, mode: BindMode): void {
    if (connection.mode) {
      return this.reply(connection, pdu, { command_status: smpp.ESME_RALYBND });
    }
    const systemId = pdu.system_id ?? '';
    if (systemId !== this.config.SMPP_SYSTEM_ID || pdu.password !== this.config.SMPP_PASSWORD) {
      this.logger.warn({ systemId: systemId.slice(0, 16), mode, remote: connection.remote }, 'SMPP bind refused: bad credentials');
      connection.session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }), () => connection.session.close());
      return;
    }
    connection.mode = mode;
    connection.systemId = systemId;
    this.metrics.bindsActive.inc({ mode });
    this.reply(connection, pdu, { system_id: SMSC_SYSTEM_ID });
    this.logger.log({ systemId, mode, remote: connection.remote }, 'SMPP bind accepted');
    if (receivesReceipts(mode)) this.flushPending(systemId);
  }

  private onUnbind(connection: Connection, pdu: PDU): void {
    this.markUnbound(connection);
    connection.session.send(pdu.response(), () => connection.session.close());
  }

  private onSubmit(connection: Connection, pdu: PDU): void {
    const receivedAt = Date.now();
    const systemId = connection.systemId;
    if (!systemId || connection.mode === 'receiver') {
      return this.reply(connection, pdu, { command_status: smpp.ESME_RINVBNDSTS });
    }
    const destination = normalizeAddress(pdu.destination_addr);
    if (!destination) {
      return this.reply(connection, pdu, { command_status: smpp.ESME_RINVDSTADR });
    }
    const carrier = carrierFor(destination);
    const content = readContent(pdu);
    const carrierMessageId = randomBytes(8).toString('hex');
    // Recorded on arrival: the store is the witness of what reached the carrier and when,
    // even if the response is then lost with the connection.
    this.store.add({
      receivedAt,
      carrierMessageId,
      systemId,
      source: normalizeAddress(pdu.source_addr),
      destination,
      carrier: carrier.id,
      mcc: carrier.mcc,
      mnc: carrier.mnc,
      dataCoding: pdu.data_coding ?? 0,
      ...content,
    });
    this.metrics.submissions.inc({ carrier: carrier.id });
    this.logger.debug({ carrier: carrier.id, carrierMessageId }, 'submit_sm accepted');

    const status = receiptOutcome(this.config.RECEIPT_OUTCOME, carrierMessageId);
    const answer = () => {
      this.reply(connection, pdu, { message_id: carrierMessageId });
      if (!wantsReceipt(pdu.registered_delivery ?? 0, status)) return;
      const receipt: PendingReceipt = {
        systemId,
        carrierMessageId,
        status,
        origin: connection,
        attempts: 0,
        pdu: {
          // The receipt travels from the handset back to the sender.
          source_addr_ton: pdu.dest_addr_ton ?? 0,
          source_addr_npi: pdu.dest_addr_npi ?? 0,
          source_addr: pdu.destination_addr ?? '',
          dest_addr_ton: pdu.source_addr_ton ?? 0,
          dest_addr_npi: pdu.source_addr_npi ?? 0,
          destination_addr: pdu.source_addr ?? '',
          esm_class: 0x04,
          data_coding: 0,
          // Given as bytes so the package sends them as they are.
          short_message: Buffer.from(
            receiptText({ carrierMessageId, status, submittedAt: receivedAt, doneAt: receivedAt + this.config.RECEIPT_DELAY_MS }),
            'ascii',
          ),
          receipted_message_id: carrierMessageId,
          message_state: messageStateFor(status),
        },
      };
      this.later(this.config.RECEIPT_DELAY_MS, () => this.sendReceipt(receipt));
    };
    if (this.config.SUBMIT_LATENCY_MS > 0) this.later(this.config.SUBMIT_LATENCY_MS, answer);
    else answer();
  }

  /** Valid SMPP commands the simulator does not implement get their _resp with ESME_RINVCMDID, others a generic_nack. */
  private refuseCommand(connection: Connection, pdu: PDU): void {
    const hasResp = pdu.command !== 'unknown' && `${pdu.command}_resp` in smpp.commands;
    const refusal = hasResp
      ? pdu.response({ command_status: smpp.ESME_RINVCMDID })
      : new smpp.PDU('generic_nack', { command_status: smpp.ESME_RINVCMDID, sequence_number: pdu.sequence_number });
    connection.session.send(refusal);
  }

  private sendReceipt(receipt: PendingReceipt): void {
    if (this.stopping) return;
    const target = this.receiverFor(receipt);
    if (!target) return this.hold(receipt);
    const pdu = new smpp.PDU('deliver_sm', receipt.pdu);
    const written = target.session.send(pdu, (resp) => this.onReceiptAnswer(target, pdu.sequence_number, resp));
    if (!written) return this.hold(receipt);
    receipt.attempts += 1;
    target.inflight.set(pdu.sequence_number, receipt);
    this.store.recordReceipt(receipt.carrierMessageId, { status: receipt.status, sentAt: Date.now() });
    this.metrics.receipts.inc({ status: receipt.status });
  }

  private onReceiptAnswer(connection: Connection, sequenceNumber: number, resp: PDU): void {
    const receipt = connection.inflight.get(sequenceNumber);
    if (!receipt) return;
    connection.inflight.delete(sequenceNumber);
    if (resp.command_status === smpp.ESME_ROK) return;
    if (receipt.attempts >= MAX_RECEIPT_ATTEMPTS) {
      this.logger.warn(
        { carrierMessageId: receipt.carrierMessageId, commandStatus: resp.command_status, attempts: receipt.attempts },
        'delivery receipt refused by the ESME; giving up',
      );
      return;
    }
    this.later(RECEIPT_RETRY_MS, () => this.sendReceipt(receipt));
  }

  /** The originating session while it is bound, else any bound session of the same system_id that takes receipts. */
  private receiverFor(receipt: PendingReceipt): Connection | undefined {
    if (isReceiving(receipt.origin, receipt.systemId)) return receipt.origin;
    for (const connection of this.connections) if (isReceiving(connection, receipt.systemId)) return connection;
    return undefined;
  }

  /** Keeps a receipt until an ESME of its system_id binds to receive it, as an SMSC's store-and-forward would. */
  private hold(receipt: PendingReceipt): void {
    const queue = this.pending.get(receipt.systemId) ?? [];
    queue.push(receipt);
    this.pending.set(receipt.systemId, queue);
    this.pendingCount += 1;
    if (this.pendingCount > MAX_PENDING_RECEIPTS) {
      queue.shift();
      this.pendingCount -= 1;
      this.logger.warn({ systemId: receipt.systemId, limit: MAX_PENDING_RECEIPTS }, 'pending receipts full; oldest dropped');
    }
  }

  private flushPending(systemId: string): void {
    const queue = this.pending.get(systemId);
    if (!queue) return;
    this.pending.delete(systemId);
    this.pendingCount -= queue.length;
    for (const receipt of queue) this.sendReceipt(receipt);
  }

  private onClose(connection: Connection): void {
    connection.closed = true;
    this.markUnbound(connection);
    this.connections.delete(connection);
    // Receipts the ESME never acknowledged go out again on another session (or wait for one).
    const unanswered = [...connection.inflight.values()];
    connection.inflight.clear();
    for (const receipt of unanswered) this.sendReceipt(receipt);
  }

  private markUnbound(connection: Connection): void {
    if (!connection.mode) return;
    this.metrics.bindsActive.dec({ mode: connection.mode });
    this.logger.log({ systemId: connection.systemId, mode: connection.mode, remote: connection.remote }, 'SMPP session unbound');
    connection.mode = undefined;
  }

  private reply(connection: Connection, pdu: PDU, options: PduOptions = {}): void {
    if (!connection.closed) connection.session.send(pdu.response(options));
  }

  /** Unbinds a bound ESME politely, then closes; cuts the connection if it does not answer in time. */
  private unbindAndClose(connection: Connection): Promise<void> {
    if (connection.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const { session } = connection;
      const timer = setTimeout(() => session.destroy(), UNBIND_GRACE_MS);
      session.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      const sent = connection.mode !== undefined && session.send(new smpp.PDU('unbind'), () => session.close());
      if (!sent) session.close();
    });
  }

  /** A timer cleared at shutdown, so no callback runs against a closed server. */
  private later(ms: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        task();
      } catch (error: unknown) {
        this.logger.error({ err: error }, 'SMSC timer task failed');
      }
    }, ms);
    this.timers.add(timer);
  }
}

function receivesReceipts(mode: BindMode): boolean {
  return mode === 'transceiver' || mode === 'receiver';
}

function isReceiving(connection: Connection, systemId: string): boolean {
  return !connection.closed && connection.systemId === systemId && connection.mode !== undefined && receivesReceipts(connection.mode);
}

/** A taken or forbidden SMPP port is a configuration problem: say so the way config errors are said. */
function explainListenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return new ConfigError('carrier-simulator', [`SMPP_PORT: ${port} on ${host} is already in use`]);
  if (code === 'EACCES') return new ConfigError('carrier-simulator', [`SMPP_PORT: not allowed to listen on ${host}:${port}`]);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new ConfigError('carrier-simulator', [`SMPP_HOST: ${host} is not an address of this machine`]);
  }
  return error;
}
