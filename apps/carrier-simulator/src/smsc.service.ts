// The simulated SMSC: an SMPP 3.4 server that authenticates binds, answers submit_sm as the carrier's profile
// says (accept, throttle, refuse, stay silent), sends delivery receipts and injects mobile-originated messages.
// The sessions, the submits and the deliver_sm owed are each handled by their own class; this one runs the
// server and routes each PDU.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigError } from '@sluice/config';
import * as smpp from 'smpp';
import type { PDU, Server, Session } from 'smpp';
import { DeliverQueue, MobileOriginatedInjection } from './deliver-queue';
import type { OutageState } from './outage';
import { BIND_MODES, BindMode, Connection, receivesReceipts, reply, SessionRegistry } from './session-registry';
import { SIMULATOR_CONFIG, SimulatorConfig } from './simulator.config';
import { SmscTimers } from './smsc-timers';
import { SubmitHandler } from './submit-handler';

@Injectable()
export class SmscService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SmscService.name);
  private server?: Server;

  constructor(
    @Inject(SIMULATOR_CONFIG) private readonly config: SimulatorConfig,
    private readonly sessions: SessionRegistry,
    private readonly submits: SubmitHandler,
    private readonly deliveries: DeliverQueue,
    private readonly timers: SmscTimers,
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
    this.deliveries.stop();
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await this.sessions.closeAll();
    await closed;
    this.logger.log('SMPP server closed');
  }

  /** For the readiness check: resolves while the SMPP port accepts connections. */
  async assertListening(): Promise<void> {
    if (!this.server?.listening) throw new Error('SMPP server is not listening');
  }

  /**
   * Closes every SMPP connection (or those bound with `systemId`) without unbinding, as a
   * carrier dropping its links would; resolves with how many, once they are closed.
   */
  dropSessions(systemId?: string): Promise<number> {
    return this.sessions.dropSessions(systemId);
  }

  /**
   * The carrier is gone for `seconds`: every connection is closed without an unbind and every
   * bind is refused (ESME_RBINDFAIL) until the deadline or `endOutage`. Receipts owed are held.
   */
  startOutage(seconds: number): Promise<OutageState & { readonly dropped: number }> {
    return this.sessions.startOutage(seconds);
  }

  endOutage(): OutageState {
    return this.sessions.endOutage();
  }

  outageState(): OutageState {
    return this.sessions.outageState();
  }

  /**
   * Sends a mobile-originated message (or its parts) to a bound receiver or transceiver; undefined
   * when none is bound. A request that cannot be built throws MoRequestError before anything is sent.
   */
  sendMobileOriginated(mo: MobileOriginatedInjection): { readonly id: string; readonly systemId: string; readonly parts: number } | undefined {
    return this.deliveries.sendMobileOriginated(mo);
  }

  private accept(session: Session): void {
    const connection = this.sessions.open(session);
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
        if (!pdu.isResponse()) reply(connection, pdu, { command_status: smpp.ESME_RSYSERR });
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
        return reply(connection, pdu);
      case 'unbind':
        return this.sessions.unbind(connection, pdu);
      case 'submit_sm':
        return this.submits.onSubmit(connection, pdu);
      default:
        return refuseCommand(connection, pdu);
    }
  }

  private onBind(connection: Connection, pdu: PDU, mode: BindMode): void {
    const systemId = this.sessions.bind(connection, pdu, mode);
    if (systemId !== undefined && receivesReceipts(mode)) this.deliveries.flushPending(systemId);
  }

  private onClose(connection: Connection): void {
    this.sessions.close(connection);
    // Deliveries the ESME never acknowledged go out again on another session (or wait for one).
    this.deliveries.redeliverUnanswered(connection);
  }
}

/** Valid SMPP commands the simulator does not implement get their _resp with ESME_RINVCMDID, others a generic_nack. */
function refuseCommand(connection: Connection, pdu: PDU): void {
  const hasResp = pdu.command !== 'unknown' && `${pdu.command}_resp` in smpp.commands;
  const refusal = hasResp
    ? pdu.response({ command_status: smpp.ESME_RINVCMDID })
    : new smpp.PDU('generic_nack', { command_status: smpp.ESME_RINVCMDID, sequence_number: pdu.sequence_number });
  connection.session.send(refusal);
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
