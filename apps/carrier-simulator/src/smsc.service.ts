// The simulated SMSC: an SMPP 3.4 server that authenticates binds, answers submit_sm as the carrier's profile
// says (accept, throttle, refuse, stay silent), sends delivery receipts and injects mobile-originated messages.
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigError } from '@sluice/config';
import * as smpp from 'smpp';
import type { PDU, PduOptions, Server, Session } from 'smpp';
import { normalizeAddress } from './address';
import { CarrierBehaviour, SubmitDecision } from './carrier-behaviour';
import { NO_RESPONSE, statusName } from './carrier-profiles';
import { Carrier, carrierFor } from './carriers';
import { messageStateFor, receiptText, wantsReceipt } from './delivery-receipt';
import { MobileOriginated, mobileOriginatedPdus } from './mobile-originated';
import { Outage, OutageState } from './outage';
import { readContent } from './short-message';
import { SIMULATOR_CONFIG, SimulatorConfig } from './simulator.config';
import { SimulatorMetrics } from './simulator.metrics';
import { ReceiptStatus, SubmissionStatus, SubmissionStore } from './submission.store';

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
/** With receiptBeforeResponse, the submit_sm_resp waits for the receipt's deliver_sm_resp at most this long. */
const RECEIPT_FIRST_WAIT_MS = 1_000;

interface Connection {
  readonly session: Session;
  /** ip:port of the ESME, for logs. */
  readonly remote: string;
  mode?: BindMode;
  systemId?: string;
  closed: boolean;
  /** deliver_sm written on this session and not answered yet, by sequence number. */
  readonly inflight: Map<number, PendingDelivery>;
}

/** A deliver_sm the SMSC owes an ESME: a delivery receipt, or a mobile-originated message. */
type PendingDelivery = PendingReceipt | PendingMobileOriginated;

interface DeliveryBase {
  readonly systemId: string;
  /** The session that should get it while it can (the one the message came in on, or the one MO picked). */
  readonly origin: Connection;
  /** Options of the deliver_sm; a fresh PDU is built per attempt so each gets its own sequence number. */
  readonly pdu: PduOptions;
  attempts: number;
  /** Called once, when the first attempt is answered or cannot be written (receiptBeforeResponse). */
  onFirstAnswer?: () => void;
}

interface PendingReceipt extends DeliveryBase {
  readonly kind: 'receipt';
  readonly carrierMessageId: string;
  readonly status: ReceiptStatus;
}

interface PendingMobileOriginated extends DeliveryBase {
  readonly kind: 'mo';
  readonly moId: string;
}

/** A mobile-originated message to inject, and how long to wait between its parts. */
export interface MobileOriginatedInjection extends MobileOriginated {
  readonly intervalMs?: number;
}

@Injectable()
export class SmscService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SmscService.name);
  private server?: Server;
  private readonly connections = new Set<Connection>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Map<string, PendingDelivery[]>();
  private pendingCount = 0;
  private stopping = false;
  /** Round-robin over the sessions that can take MO. */
  private moCursor = 0;
  private readonly outage = new Outage();

  constructor(
    @Inject(SIMULATOR_CONFIG) private readonly config: SimulatorConfig,
    private readonly store: SubmissionStore,
    private readonly metrics: SimulatorMetrics,
    private readonly behaviour: CarrierBehaviour,
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
      // Dead from now on: nothing more is sent on it (its 'close', which hands its unanswered
      // deliveries to another session, comes later).
      connection.closed = true;
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
    if (this.outage.active(Date.now())) {
      this.logger.warn({ mode, remote: connection.remote }, 'SMPP bind refused: simulated outage');
      connection.session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }), () => connection.session.close());
      return;
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
    const source = normalizeAddress(pdu.source_addr);
    const decision = this.behaviour.decide(carrier.id, source, receivedAt);
    const carrierMessageId = randomBytes(8).toString('hex');
    // Recorded on arrival: the store is the witness of what reached the carrier and when,
    // even if the response is then lost with the connection. Refused submissions are kept
    // too, with how they were answered, but only accepted ones count by default.
    this.store.add({
      receivedAt,
      carrierMessageId,
      systemId,
      source,
      destination,
      carrier: carrier.id,
      mcc: carrier.mcc,
      mnc: carrier.mnc,
      dataCoding: pdu.data_coding ?? 0,
      ...readContent(pdu),
      ...(decision.status === SubmissionStatus.Accepted ? {} : { status: decision.status }),
      ...('commandStatus' in decision ? { commandStatus: decision.commandStatus } : {}),
    });
    this.count(carrier, decision);
    this.logger.debug({ carrier: carrier.id, carrierMessageId, outcome: decision.status }, 'submit_sm read');

    switch (decision.status) {
      case SubmissionStatus.Throttled:
      case SubmissionStatus.Rejected:
        return this.afterLatency(decision.latencyMs, () => this.reply(connection, pdu, { command_status: decision.commandStatus }));
      case SubmissionStatus.Unanswered:
        // The ESME hears nothing: its response timeout is what is being exercised.
        return;
      case SubmissionStatus.Accepted:
        return this.onAccepted(connection, pdu, { systemId, carrierMessageId, receivedAt, decision });
    }
  }

  private count(carrier: Carrier, decision: SubmitDecision): void {
    switch (decision.status) {
      case SubmissionStatus.Accepted:
        return this.metrics.submissions.inc({ carrier: carrier.id });
      case SubmissionStatus.Throttled:
        return this.metrics.throttled.inc({ carrier: carrier.id, per: decision.rule.per });
      case SubmissionStatus.Rejected:
        return this.metrics.errors.inc({ carrier: carrier.id, status: statusName(decision.commandStatus) });
      case SubmissionStatus.Unanswered:
        return this.metrics.errors.inc({ carrier: carrier.id, status: NO_RESPONSE });
    }
  }

  private onAccepted(
    connection: Connection,
    pdu: PDU,
    accepted: {
      readonly systemId: string;
      readonly carrierMessageId: string;
      readonly receivedAt: number;
      readonly decision: Extract<SubmitDecision, { status: 'accepted' }>;
    },
  ): void {
    const { systemId, carrierMessageId, receivedAt, decision } = accepted;
    const respond = () => this.reply(connection, pdu, { message_id: carrierMessageId });
    const outcome = decision.receipt;
    if (!wantsReceipt(pdu.registered_delivery ?? 0, outcome.status)) return this.afterLatency(decision.latencyMs, respond);

    const first = decision.receiptBeforeResponse;
    const doneAt = receivedAt + decision.latencyMs + (first ? 0 : outcome.delayMs);
    const receipt: PendingReceipt = {
      kind: 'receipt',
      systemId,
      carrierMessageId,
      status: outcome.status,
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
          receiptText({ carrierMessageId, status: outcome.status, err: outcome.err, submittedAt: receivedAt, doneAt }),
          'ascii',
        ),
        receipted_message_id: carrierMessageId,
        message_state: messageStateFor(outcome.status),
      },
    };
    if (!first) {
      return this.afterLatency(decision.latencyMs, () => {
        respond();
        this.later(outcome.delayMs, () => this.deliver(receipt));
      });
    }
    // Receipt first: the submit_sm_resp follows once the ESME answered the deliver_sm (or
    // could not be sent it, or took too long), so the ESME sees the receipt before it knows the id.
    this.afterLatency(decision.latencyMs, () => {
      let responded = false;
      const respondOnce = () => {
        if (responded) return;
        responded = true;
        respond();
      };
      receipt.onFirstAnswer = respondOnce;
      this.later(RECEIPT_FIRST_WAIT_MS, respondOnce);
      this.deliver(receipt);
    });
  }

  /**
   * Closes every SMPP connection (or those bound with `systemId`) without unbinding, as a
   * carrier dropping its links would; resolves with how many, once they are closed.
   */
  async dropSessions(systemId?: string): Promise<number> {
    const dropped = [...this.connections].filter(
      (connection) => !connection.closed && (systemId === undefined || connection.systemId === systemId),
    );
    await Promise.all(
      dropped.map(
        (connection) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, UNBIND_GRACE_MS);
            connection.session.destroy(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
    this.metrics.bindsDropped.inc(dropped.length);
    this.logger.log({ systemId, dropped: dropped.length }, 'SMPP connections dropped on request');
    return dropped.length;
  }

  /**
   * The carrier is gone for `seconds`: every connection is closed without an unbind and every
   * bind is refused (ESME_RBINDFAIL) until the deadline or `endOutage`. Receipts owed are held.
   */
  async startOutage(seconds: number): Promise<OutageState & { readonly dropped: number }> {
    this.outage.start(seconds, Date.now());
    this.logger.warn({ seconds }, 'simulated outage started');
    const dropped = await this.dropSessions();
    return { ...this.outage.state(Date.now()), dropped };
  }

  endOutage(): OutageState {
    this.outage.end();
    this.logger.log('simulated outage ended');
    return this.outage.state(Date.now());
  }

  outageState(): OutageState {
    return this.outage.state(Date.now());
  }

  /**
   * Sends a mobile-originated message (deliver_sm, esm_class 0), or each of its parts in the
   * order asked (`intervalMs` apart), to a bound receiver or transceiver, taking turns between
   * them part by part; undefined when none is bound. Like a receipt, each is sent again on
   * another session if unanswered when its session closes, and retried when the ESME answers
   * with an error. A request that cannot be built throws MoRequestError before anything is sent.
   */
  sendMobileOriginated(mo: MobileOriginatedInjection): { readonly id: string; readonly systemId: string; readonly parts: number } | undefined {
    const pdus = mobileOriginatedPdus(mo);
    const first = this.nextMoSession(mo.systemId);
    if (!first) return undefined;
    const id = randomBytes(8).toString('hex');
    pdus.forEach((pdu, index) => {
      const send = (): void => {
        // A session gone by then: the part waits for one of the first part's system_id, as receipts do.
        const target = index === 0 ? first : (this.nextMoSession(mo.systemId) ?? first);
        this.deliver({ kind: 'mo', moId: id, systemId: target.systemId, origin: target.connection, attempts: 0, pdu });
      };
      if (index === 0 || !mo.intervalMs) send();
      else this.later(index * mo.intervalMs, send);
    });
    this.logger.debug({ moId: id, systemId: first.systemId, parts: pdus.length }, 'mobile-originated message sent');
    return { id, systemId: first.systemId, parts: pdus.length };
  }

  /** The next bound receiver or transceiver (of `systemId` when given), round-robin. */
  private nextMoSession(systemId: string | undefined): { connection: Connection; systemId: string } | undefined {
    const candidates: Array<{ connection: Connection; systemId: string }> = [];
    for (const connection of this.connections) {
      const bound = connection.systemId;
      if (bound !== undefined && isReceivingAny(connection) && (systemId === undefined || bound === systemId)) candidates.push({ connection, systemId: bound });
    }
    const chosen = candidates[this.moCursor % Math.max(candidates.length, 1)];
    if (chosen) this.moCursor += 1;
    return chosen;
  }

  /** Valid SMPP commands the simulator does not implement get their _resp with ESME_RINVCMDID, others a generic_nack. */
  private refuseCommand(connection: Connection, pdu: PDU): void {
    const hasResp = pdu.command !== 'unknown' && `${pdu.command}_resp` in smpp.commands;
    const refusal = hasResp
      ? pdu.response({ command_status: smpp.ESME_RINVCMDID })
      : new smpp.PDU('generic_nack', { command_status: smpp.ESME_RINVCMDID, sequence_number: pdu.sequence_number });
    connection.session.send(refusal);
  }

  private deliver(delivery: PendingDelivery): void {
    if (this.stopping) return;
    // A session can die before its 'close' is handled: the next one that takes the PDU gets it.
    const target = this.receiversFor(delivery).find((connection) => {
      const pdu = new smpp.PDU('deliver_sm', delivery.pdu);
      const written = connection.session.send(pdu, (resp) => this.onDeliveryAnswer(connection, pdu.sequence_number, resp));
      if (written) connection.inflight.set(pdu.sequence_number, delivery);
      return written;
    });
    if (!target) return this.hold(delivery);
    if (delivery.kind === 'mo') return this.metrics.mobileOriginated.inc();
    this.store.recordReceipt(delivery.carrierMessageId, { status: delivery.status, sentAt: Date.now() });
    this.metrics.receipts.inc({ status: delivery.status });
  }

  private onDeliveryAnswer(connection: Connection, sequenceNumber: number, resp: PDU): void {
    const delivery = connection.inflight.get(sequenceNumber);
    if (!delivery) return;
    connection.inflight.delete(sequenceNumber);
    firstAnswer(delivery);
    if (resp.command_status === smpp.ESME_ROK) return;
    if (delivery.attempts >= MAX_RECEIPT_ATTEMPTS) {
      this.logger.warn(
        {
          kind: delivery.kind,
          id: delivery.kind === 'mo' ? delivery.moId : delivery.carrierMessageId,
          commandStatus: resp.command_status,
          attempts: delivery.attempts,
        },
        'deliver_sm refused by the ESME; giving up',
      );
      return;
    }
    this.later(RECEIPT_RETRY_MS, () => this.deliver(delivery));
  }

  /** The originating session first while it is bound, then every other bound session of the same system_id that takes deliveries. */
  private receiversFor(delivery: PendingDelivery): Connection[] {
    return receiversInOrder(delivery.origin, this.connections, delivery.systemId);
  }

  /** Keeps a deliver_sm until an ESME of its system_id binds to receive it, as an SMSC's store-and-forward would. */
  private hold(delivery: PendingDelivery): void {
    // Nothing can answer it now: a submit_sm_resp waiting for it goes out at once.
    firstAnswer(delivery);
    const queue = this.pending.get(delivery.systemId) ?? [];
    queue.push(delivery);
    this.pending.set(delivery.systemId, queue);
    this.pendingCount += 1;
    if (this.pendingCount > MAX_PENDING_RECEIPTS) {
      queue.shift();
      this.pendingCount -= 1;
      this.logger.warn({ systemId: delivery.systemId, limit: MAX_PENDING_RECEIPTS }, 'pending deliveries full; oldest dropped');
    }
  }

  private flushPending(systemId: string): void {
    const queue = this.pending.get(systemId);
    if (!queue) return;
    this.pending.delete(systemId);
    this.pendingCount -= queue.length;
    for (const delivery of queue) this.deliver(delivery);
  }

  private onClose(connection: Connection): void {
    connection.closed = true;
    this.markUnbound(connection);
    this.connections.delete(connection);
    // Deliveries the ESME never acknowledged go out again on another session (or wait for one).
    const unanswered = [...connection.inflight.values()];
    connection.inflight.clear();
    for (const delivery of unanswered) this.deliver(delivery);
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

  /** Runs the task after `ms`, or right now when there is no latency (as the simulator always did). */
  private afterLatency(ms: number, task: () => void): void {
    if (ms > 0) this.later(ms, task);
    else task();
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

export function receiversInOrder<C extends Pick<Connection, 'closed' | 'mode' | 'systemId'>>(origin: C | undefined, connections: Iterable<C>, systemId: string): C[] {
  const others = [...connections].filter((c) => c !== origin && isReceiving(c, systemId));
  return origin && isReceiving(origin, systemId) ? [origin, ...others] : others;
}

function isReceiving(connection: Pick<Connection, 'closed' | 'mode' | 'systemId'>, systemId: string): boolean {
  return connection.systemId === systemId && isReceivingAny(connection);
}

function isReceivingAny(connection: Pick<Connection, 'closed' | 'mode'>): boolean {
  return !connection.closed && connection.mode !== undefined && receivesReceipts(connection.mode);
}

function firstAnswer(delivery: PendingDelivery): void {
  const callback = delivery.onFirstAnswer;
  delivery.onFirstAnswer = undefined;
  callback?.();
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
