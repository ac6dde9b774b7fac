// The SMPP sessions the simulated SMSC holds: binds (credentials, the simulated outage), unbinds,
// closing and dropping them, and which of them take deliver_sm.
import { Inject, Injectable, Logger } from '@nestjs/common';
import * as smpp from 'smpp';
import type { PDU, PduOptions, Session } from 'smpp';
import type { PendingDelivery } from './deliver-queue';
import { Outage, OutageState } from './outage';
import { SIMULATOR_CONFIG, SimulatorConfig } from './simulator.config';
import { SimulatorMetrics } from './simulator.metrics';

export type BindMode = 'transceiver' | 'transmitter' | 'receiver';

export const BIND_MODES: ReadonlyMap<string, BindMode> = new Map([
  ['bind_transceiver', 'transceiver'],
  ['bind_transmitter', 'transmitter'],
  ['bind_receiver', 'receiver'],
]);

/** system_id the simulator answers binds with (the SMSC's own name). */
const SMSC_SYSTEM_ID = 'SLUICESIM';
/** How long shutdown waits for an ESME to answer unbind before cutting the connection. */
const UNBIND_GRACE_MS = 500;

export interface Connection {
  readonly session: Session;
  /** ip:port of the ESME, for logs. */
  readonly remote: string;
  mode?: BindMode;
  systemId?: string;
  closed: boolean;
  /** deliver_sm written on this session and not answered yet, by sequence number. */
  readonly inflight: Map<number, PendingDelivery>;
}

@Injectable()
export class SessionRegistry {
  private readonly logger = new Logger(SessionRegistry.name);
  private readonly connections = new Set<Connection>();
  /** Round-robin over the sessions that can take MO. */
  private moCursor = 0;
  private readonly outage = new Outage();

  constructor(
    @Inject(SIMULATOR_CONFIG) private readonly config: SimulatorConfig,
    private readonly metrics: SimulatorMetrics,
  ) {}

  /** Starts tracking a newly accepted session. */
  open(session: Session): Connection {
    // Each response goes out as soon as it is written, as a carrier's SMSC does: no Nagle delay
    // waiting for the ESME's delayed ACK.
    session.socket.setNoDelay(true);
    const connection: Connection = {
      session,
      remote: `${session.socket.remoteAddress ?? '?'}:${session.socket.remotePort ?? '?'}`,
      closed: false,
      inflight: new Map(),
    };
    this.connections.add(connection);
    return connection;
  }

  /** Answers a bind; the system_id it bound with when accepted. */
  bind(connection: Connection, pdu: PDU, mode: BindMode): string | undefined {
    if (connection.mode) {
      reply(connection, pdu, { command_status: smpp.ESME_RALYBND });
      return undefined;
    }
    if (this.outage.active(Date.now())) {
      this.logger.warn({ mode, remote: connection.remote }, 'SMPP bind refused: simulated outage');
      connection.session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }), () => connection.session.close());
      return undefined;
    }
    const systemId = pdu.system_id ?? '';
    if (systemId !== this.config.SMPP_SYSTEM_ID || pdu.password !== this.config.SMPP_PASSWORD) {
      this.logger.warn({ systemId: systemId.slice(0, 16), mode, remote: connection.remote }, 'SMPP bind refused: bad credentials');
      connection.session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }), () => connection.session.close());
      return undefined;
    }
    connection.mode = mode;
    connection.systemId = systemId;
    this.metrics.bindsActive.inc({ mode });
    reply(connection, pdu, { system_id: SMSC_SYSTEM_ID });
    this.logger.log({ systemId, mode, remote: connection.remote }, 'SMPP bind accepted');
    return systemId;
  }

  unbind(connection: Connection, pdu: PDU): void {
    this.markUnbound(connection);
    connection.session.send(pdu.response(), () => connection.session.close());
  }

  /** The session closed: it is forgotten (its unanswered deliveries are the caller's to send again). */
  close(connection: Connection): void {
    connection.closed = true;
    this.markUnbound(connection);
    this.connections.delete(connection);
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

  /** The next bound receiver or transceiver (of `systemId` when given), round-robin. */
  nextMoSession(systemId: string | undefined): { connection: Connection; systemId: string } | undefined {
    const candidates: Array<{ connection: Connection; systemId: string }> = [];
    for (const connection of this.connections) {
      const bound = connection.systemId;
      if (bound !== undefined && isReceivingAny(connection) && (systemId === undefined || bound === systemId)) candidates.push({ connection, systemId: bound });
    }
    const chosen = candidates[this.moCursor % Math.max(candidates.length, 1)];
    if (chosen) this.moCursor += 1;
    return chosen;
  }

  /** The originating session first while it is bound, then every other bound session of the same system_id that takes deliveries. */
  receiversFor(origin: Connection, systemId: string): Connection[] {
    return receiversInOrder(origin, this.connections, systemId);
  }

  /** Unbinds every session politely (cutting those that do not answer in time); resolves once all are closed. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.connections].map((connection) => this.unbindAndClose(connection)));
  }

  private markUnbound(connection: Connection): void {
    if (!connection.mode) return;
    this.metrics.bindsActive.dec({ mode: connection.mode });
    this.logger.log({ systemId: connection.systemId, mode: connection.mode, remote: connection.remote }, 'SMPP session unbound');
    connection.mode = undefined;
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
}

/** Answers a request PDU, unless its session is already dead. */
export function reply(connection: Connection, pdu: PDU, options: PduOptions = {}): void {
  if (connection.closed) return;
  writeTogether(connection.session);
  connection.session.send(pdu.response(options));
}

/**
 * The PDUs a session writes until the event loop's next check phase (the answers to one read's
 * submits, the answers and receipts whose timers fell due together) leave in one system call,
 * not one each, and the ESME reads them at once. Dispatch's client does the same until the
 * next tick; here a check phase also gathers the callbacks of timers that fire together.
 */
export function writeTogether(session: Session): void {
  const { socket } = session;
  if (socket.writableCorked > 0) return;
  socket.cork();
  setImmediate(() => socket.uncork());
}

export function receivesReceipts(mode: BindMode): boolean {
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
