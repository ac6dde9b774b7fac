// The part of smpp@0.5.1 (which ships no types) that Sluice uses: carrier-dispatch (client) and carrier-simulator (server).
declare module 'smpp' {
  import { EventEmitter } from 'node:events';
  import { Server as NetServer, Socket } from 'node:net';

  /** What the package's message filter turns `short_message` / `message_payload` into on read. */
  export interface DecodedMessage {
    /** A string when the data_coding is one the package decodes (0, 1, 3, 8, ...), else the raw bytes. */
    readonly message: string | Buffer;
    /** User data header information elements, each `[iei, length, ...data]`, when esm_class has UDHI. */
    readonly udh?: readonly Buffer[];
  }

  /** Message text as given when sending: encoded by the package unless already a Buffer. */
  export type OutgoingMessage = string | Buffer | { readonly message: string; readonly udh?: Buffer };

  /** Fields of the PDUs used here (mandatory parameters and TLVs share one namespace in the package). */
  export interface PduFields {
    command_status?: number;
    sequence_number?: number;
    system_id?: string;
    password?: string;
    system_type?: string;
    interface_version?: number;
    service_type?: string;
    source_addr_ton?: number;
    source_addr_npi?: number;
    source_addr?: string;
    dest_addr_ton?: number;
    dest_addr_npi?: number;
    destination_addr?: string;
    esm_class?: number;
    protocol_id?: number;
    priority_flag?: number;
    registered_delivery?: number;
    data_coding?: number | null;
    message_id?: string;
    receipted_message_id?: string;
    message_state?: number;
    sar_msg_ref_num?: number;
    sar_total_segments?: number;
    sar_segment_seqnum?: number;
  }

  export interface PduOptions extends PduFields {
    short_message?: OutgoingMessage;
    message_payload?: OutgoingMessage;
  }

  /** The mandatory parameters and TLVs, merged into the class below. */
  // eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging -- declaration merging adds the PDU fields to the class
  export interface PDU extends Omit<PduFields, 'command_status' | 'sequence_number'> {}

  // eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
  export class PDU {
    constructor(command: string, options?: PduOptions);
    /** Decodes a whole PDU (header included). */
    constructor(buffer: Buffer);
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    /** Decoded on read; what was given on send. */
    short_message?: DecodedMessage | OutgoingMessage;
    message_payload?: DecodedMessage | OutgoingMessage;
    isResponse(): boolean;
    /** Encodes the PDU (runs the encode filters, so it may set data_coding and esm_class). */
    toBuffer(): Buffer;
    /** The matching `<command>_resp` (or generic_nack), carrying this PDU's sequence number. */
    response(options?: PduOptions): PDU;
  }

  export type ResponseCallback = (pdu: PDU) => void;

  export class Session extends EventEmitter {
    readonly socket: Socket;
    server?: Server;
    /** Writes the PDU; false when the socket is no longer writable. */
    send(pdu: PDU, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
    /** Ends the socket after pending writes. */
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    bind_transceiver(options: PduOptions, responseCallback?: ResponseCallback): boolean;
    bind_transmitter(options: PduOptions, responseCallback?: ResponseCallback): boolean;
    bind_receiver(options: PduOptions, responseCallback?: ResponseCallback): boolean;
    submit_sm(options: PduOptions, responseCallback?: ResponseCallback): boolean;
    enquire_link(options: PduOptions, responseCallback?: ResponseCallback): boolean;
    unbind(options: PduOptions, responseCallback?: ResponseCallback): boolean;

    on(event: 'connect' | 'close', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    /** 'pdu' for every PDU, then one event named after its command ('submit_sm', 'unknown', ...). */
    on(event: string, listener: (pdu: PDU) => void): this;
    once(event: 'connect' | 'close', listener: () => void): this;
    once(event: 'error', listener: (error: Error) => void): this;
    once(event: string, listener: (pdu: PDU) => void): this;
  }

  export class Server extends NetServer {
    /** Sessions whose sockets are still open. */
    readonly sessions: Session[];
  }

  export interface ServerOptions {
    /** Not read by 0.5.1; kept so the call reads the same as on later versions. */
    readonly debug?: boolean;
  }

  export function createServer(options: ServerOptions, listener?: (session: Session) => void): Server;

  export interface ConnectOptions {
    readonly host: string;
    readonly port: number;
    readonly auto_enquire_link_period?: number;
  }

  export function connect(options: ConnectOptions, listener?: () => void): Session;

  /**
   * The package's field filters. `message` turns `short_message` / `message_payload` bytes into
   * a DecodedMessage when a PDU is read (`this` is the PDU being read), and back when one is written.
   */
  export const filters: {
    readonly message: {
      decode: (this: PDU, value: unknown, skipUdh?: boolean) => unknown;
      readonly encode: (this: PDU, value: unknown) => unknown;
    };
  };

  /** Every PDU the package knows, by command name (`submit_sm`, `submit_sm_resp`, ...). */
  export const commands: Readonly<Record<string, { readonly id: number }>>;

  export const ESME_ROK: number;
  export const ESME_RINVCMDID: number;
  export const ESME_RINVBNDSTS: number;
  export const ESME_RALYBND: number;
  export const ESME_RSYSERR: number;
  export const ESME_RBINDFAIL: number;
  export const ESME_RINVDSTADR: number;
  export const ESME_RX_T_APPN: number;
  export const ESME_RX_P_APPN: number;
  export const ESME_RX_R_APPN: number;
  export const ESME_RMSGQFUL: number;
  export const ESME_RTHROTTLED: number;

  /** Every command_status the package names (`ESME_ROK`, `ESME_RTHROTTLED`, ...), by name. */
  export const errors: Readonly<Record<string, number>>;
}
