// Builds the deliver_sm PDUs of a mobile-originated message: its text in the chosen data coding,
// as one PDU or as concatenated parts (UDH with an 8- or 16-bit reference, or SAR TLVs) in any order.
import { encodeGsm7 } from '@sluice/domain';
import type { PduOptions } from 'smpp';
import { normalizeAddress } from './address';

/** SMPP data_coding values the simulator sends MO in: GSM 03.38 (unpacked septets), Latin-1, UCS-2. */
export const MO_DATA_CODINGS = [0, 3, 8] as const;
export type MoDataCoding = (typeof MO_DATA_CODINGS)[number];

/** A mobile-originated message to inject (addresses as given; they are normalized). */
export interface MobileOriginated {
  readonly source: string;
  readonly destination: string;
  readonly text: string;
  /** Only sessions bound with this system_id; any receiver or transceiver when absent. */
  readonly systemId?: string;
  /** 0 (GSM-7), 3 (Latin-1) or 8 (UCS-2); by default GSM-7 when every character has a septet, else UCS-2. */
  readonly dataCoding?: MoDataCoding;
  /** Concatenated parts to cut the text into (1 to 255); absent: one deliver_sm. */
  readonly parts?: number;
  /** How the parts say where they belong. */
  readonly concatenation?: 'udh' | 'sar';
  /** The concatenation reference (random when absent) and its size in the UDH (the SAR TLV's is always 16 bits). */
  readonly reference?: number;
  readonly referenceBits?: 8 | 16;
  /** The order to send the parts in, as part numbers (a permutation of 1..parts); ascending by default. */
  readonly order?: readonly number[];
}

export class MoRequestError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(problem);
  }
}

/** SMPP 3.4: short_message holds at most 254 octets. */
const MAX_SHORT_MESSAGE = 254;
const ESM_UDHI = 0x40;

/** The text's bytes in the data coding, and the size of one character unit (a UCS-2 unit is never cut). */
export function encodeMoText(text: string, dataCoding: MoDataCoding | undefined): { dataCoding: MoDataCoding; bytes: Buffer; unit: number } {
  if (dataCoding === undefined) {
    const gsm = encodeGsm7(text);
    return gsm ? { dataCoding: 0, bytes: gsm, unit: 1 } : { dataCoding: 8, bytes: ucs2(text), unit: 2 };
  }
  if (dataCoding === 0) {
    const gsm = encodeGsm7(text);
    if (!gsm) throw new MoRequestError('text', 'has characters outside GSM-7; choose dataCoding 8');
    return { dataCoding, bytes: gsm, unit: 1 };
  }
  if (dataCoding === 3) {
    if ([...text].some((ch) => (ch.codePointAt(0) ?? 0) > 0xff)) throw new MoRequestError('text', 'has characters outside Latin-1; choose dataCoding 8');
    return { dataCoding, bytes: Buffer.from(text, 'latin1'), unit: 1 };
  }
  return { dataCoding, bytes: ucs2(text), unit: 2 };
}

/**
 * The deliver_sm options in the order they are to be sent. Without `parts`, one PDU whose
 * text is in short_message when it fits its 254 octets, else in the message_payload TLV.
 * With `parts`, the text's bytes are cut into that many parts of nearly equal size (at
 * character-unit boundaries: a GSM escape pair or a UTF-16 surrogate pair may be cut, as
 * some handsets do); each carries a UDH (esm_class 0x40) or the sar_* TLVs.
 */
export function mobileOriginatedPdus(mo: MobileOriginated, randomReference: (bits: number) => number = (bits) => Math.floor(Math.random() * 2 ** bits)): PduOptions[] {
  const encoded = encodeMoText(mo.text, mo.dataCoding);
  const source = normalizeAddress(mo.source);
  const destination = normalizeAddress(mo.destination);
  const from = addressing(source);
  const to = addressing(destination);
  const base: PduOptions = {
    source_addr_ton: from.ton,
    source_addr_npi: from.npi,
    source_addr: source,
    dest_addr_ton: to.ton,
    dest_addr_npi: to.npi,
    destination_addr: destination,
    esm_class: 0,
    registered_delivery: 0,
    data_coding: encoded.dataCoding,
  };
  if (mo.parts === undefined) {
    return [encoded.bytes.length <= MAX_SHORT_MESSAGE ? { ...base, short_message: encoded.bytes } : { ...base, message_payload: encoded.bytes }];
  }
  const chunks = cut(encoded.bytes, encoded.unit, mo.parts);
  const total = chunks.length;
  const order = mo.order ?? chunks.map((_, i) => i + 1);
  if (order.length !== total || new Set(order).size !== total || order.some((seq) => !Number.isInteger(seq) || seq < 1 || seq > total)) {
    throw new MoRequestError('order', `must list each part number from 1 to ${total} once`);
  }
  const bits = mo.concatenation === 'sar' ? 16 : (mo.referenceBits ?? 8);
  const reference = mo.reference ?? randomReference(bits);
  if (!Number.isInteger(reference) || reference < 0 || reference >= 2 ** bits) throw new MoRequestError('reference', `must be a whole number from 0 to ${2 ** bits - 1}`);
  return order.map((seq) => {
    const chunk = chunks[seq - 1];
    if (mo.concatenation === 'sar') {
      return { ...base, short_message: chunk, sar_msg_ref_num: reference, sar_total_segments: total, sar_segment_seqnum: seq };
    }
    const udh = bits === 16 ? Buffer.from([0x06, 0x08, 0x04, reference >> 8, reference & 0xff, total, seq]) : Buffer.from([0x05, 0x00, 0x03, reference, total, seq]);
    if (udh.length + chunk.length > MAX_SHORT_MESSAGE) throw new MoRequestError('parts', `is too few for the text (a part holds at most ${MAX_SHORT_MESSAGE - udh.length} octets)`);
    return { ...base, esm_class: ESM_UDHI, short_message: Buffer.concat([udh, chunk]) };
  });
}

function cut(bytes: Buffer, unit: number, parts: number): Buffer[] {
  const units = bytes.length / unit;
  if (!Number.isInteger(parts) || parts < 1 || parts > 255) throw new MoRequestError('parts', 'must be a whole number from 1 to 255');
  if (parts > units) throw new MoRequestError('parts', `is more than the text has characters (${units})`);
  const per = Math.ceil(units / parts);
  const chunks: Buffer[] = [];
  for (let start = 0; start < units; start += per) chunks.push(bytes.subarray(start * unit, Math.min(units, start + per) * unit));
  // Rounding can leave fewer, fuller parts than asked for; split the largest until the count is right.
  while (chunks.length < parts) {
    const largest = chunks.reduce((best, c, i) => (c.length > chunks[best].length ? i : best), 0);
    const chunk = chunks[largest];
    const half = Math.floor(chunk.length / unit / 2) * unit;
    chunks.splice(largest, 1, chunk.subarray(0, half), chunk.subarray(half));
  }
  return chunks;
}

function ucs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

/** ton/npi for an address: international E.164 for digits, alphanumeric otherwise. */
function addressing(address: string): { ton: number; npi: number } {
  return /^\d+$/.test(address) ? { ton: 1, npi: 1 } : { ton: 5, npi: 0 };
}
