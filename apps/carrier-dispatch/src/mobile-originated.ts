// Reads a mobile-originated deliver_sm: its addresses, its place in a concatenated message (UDH or
// SAR TLVs) and its text in its data coding; a PDU that cannot be read is refused, not guessed at.
import { decodeGsm7 } from '@sluice/domain';

/** esm_class bits 2–5 give the message type: 0 is a message, anything else a receipt or an acknowledgement. */
const ESM_MESSAGE_TYPE = 0x3c;
/** esm_class bit 6: short_message starts with a user data header. */
const ESM_UDHI = 0x40;

/** UDH information elements of a concatenated message (3GPP TS 23.040 9.2.3.24.1 and .8). */
const IEI_CONCAT_8BIT_REF = 0x00;
const IEI_CONCAT_16BIT_REF = 0x08;

/** The alphabets a text can arrive in. */
export const Alphabet = { Gsm7: 'gsm7', Ascii: 'ascii', Latin1: 'latin1', Ucs2: 'ucs2' } as const;
export type Alphabet = (typeof Alphabet)[keyof typeof Alphabet];

/**
 * SMPP 3.4 data_coding → alphabet: 0 the SMSC default (GSM 03.38, one septet per octet), 1
 * IA5 (ASCII), 3 Latin-1, 8 UCS-2, and 0xF0–0xF3 (GSM 7-bit with a message class). Other
 * codings (8-bit data, JIS, Cyrillic, ...) are not text Sluice can deliver.
 */
export function alphabetOf(dataCoding: number): Alphabet | null {
  if (dataCoding === 0) return Alphabet.Gsm7;
  if (dataCoding === 1) return Alphabet.Ascii;
  if (dataCoding === 3) return Alphabet.Latin1;
  if (dataCoding === 8) return Alphabet.Ucs2;
  if ((dataCoding & 0xfc) === 0xf0) return Alphabet.Gsm7;
  return null;
}

export function isDeliveryReceipt(esmClass: number): boolean {
  return (esmClass & ESM_MESSAGE_TYPE) !== 0;
}

/** What a deliver_sm carries, its text fields as the raw bytes the carrier sent. */
export interface DeliverSmFields {
  readonly sourceAddr: string;
  readonly destinationAddr: string;
  readonly esmClass: number;
  readonly dataCoding: number;
  readonly shortMessage: Buffer;
  readonly messagePayload?: Buffer;
  readonly sarMsgRefNum?: number;
  readonly sarTotalSegments?: number;
  readonly sarSegmentSeqnum?: number;
}

export interface Concatenation {
  readonly reference: number;
  readonly total: number;
  readonly seq: number;
}

export interface MobileOriginated {
  readonly from: string;
  readonly to: string;
  readonly dataCoding: number;
  /** The text bytes, user data header removed; checked to be valid in the data coding. */
  readonly content: Buffer;
  /** Null for a message of one part. */
  readonly concatenation: Concatenation | null;
}

export type ReadResult = { readonly ok: true; readonly message: MobileOriginated } | { readonly ok: false; readonly problem: string };

const refuse = (problem: string): ReadResult => ({ ok: false, problem });

/**
 * A mobile-originated deliver_sm as a message or one part of one. Refused (with the reason,
 * which names no number and quotes no text): no source or destination address, a user data
 * header that runs past its message, a concatenation element of the wrong length or with a
 * part number outside 1..total, a data coding that is not text, or bytes that are not valid
 * in their data coding (a septet above 0x7F, UCS-2 of an odd length).
 */
export function readMobileOriginated(fields: DeliverSmFields): ReadResult {
  const from = address(fields.sourceAddr);
  const to = address(fields.destinationAddr);
  if (!from) return refuse('no source address');
  if (!to) return refuse('no destination address');
  const alphabet = alphabetOf(fields.dataCoding);
  if (!alphabet) return refuse(`data_coding ${fields.dataCoding} is not a text coding`);

  // Long texts may come in the message_payload TLV with an empty short_message.
  const userData = fields.shortMessage.length === 0 && fields.messagePayload !== undefined ? fields.messagePayload : fields.shortMessage;
  let content = userData;
  let concatenation: Concatenation | null = null;
  if ((fields.esmClass & ESM_UDHI) !== 0) {
    const split = splitUserDataHeader(userData);
    if (!split.ok) return refuse(split.problem);
    content = split.body;
    const fromHeader = concatenationInHeader(split.header);
    if (fromHeader === 'malformed') return refuse('a concatenation element of the user data header is malformed');
    concatenation = fromHeader;
  }
  if (!concatenation && fields.sarMsgRefNum !== undefined && fields.sarTotalSegments !== undefined && fields.sarSegmentSeqnum !== undefined) {
    concatenation = { reference: fields.sarMsgRefNum, total: fields.sarTotalSegments, seq: fields.sarSegmentSeqnum };
  }
  if (concatenation && (concatenation.total < 1 || concatenation.seq < 1 || concatenation.seq > concatenation.total)) {
    return refuse(`part ${concatenation.seq} of ${concatenation.total} is not a part number`);
  }
  if (!validIn(alphabet, content)) return refuse(`the text is not valid ${alphabet}`);
  // One part of one is a whole message.
  if (concatenation?.total === 1) concatenation = null;
  return { ok: true, message: { from, to, dataCoding: fields.dataCoding, content: Buffer.from(content), concatenation } };
}

/** The text of bytes valid in `dataCoding`; null when they are not. */
export function decodeText(dataCoding: number, bytes: Buffer): string | null {
  const alphabet = alphabetOf(dataCoding);
  if (!alphabet || !validIn(alphabet, bytes)) return null;
  switch (alphabet) {
    case Alphabet.Gsm7:
      return decodeGsm7(bytes);
    case Alphabet.Ascii:
      return bytes.toString('ascii');
    case Alphabet.Latin1:
      return bytes.toString('latin1');
    case Alphabet.Ucs2:
      // UTF-16 big-endian; a surrogate pair (emoji) reads as one character.
      return Buffer.from(bytes).swap16().toString('utf16le');
  }
}

/**
 * The text of a concatenated message from the parts at hand, in sequence order. Parts in
 * one coding are joined before decoding, so an escape or a surrogate pair cut between two
 * parts still reads right; parts in different codings are decoded one by one.
 */
export function joinPartsText(parts: ReadonlyArray<{ readonly seq: number; readonly dataCoding: number; readonly content: Buffer }>): string | null {
  const ordered = [...parts].sort((a, b) => a.seq - b.seq);
  const codings = new Set(ordered.map((p) => p.dataCoding));
  if (codings.size <= 1) return decodeText(ordered[0]?.dataCoding ?? 0, Buffer.concat(ordered.map((p) => p.content)));
  const texts = ordered.map((p) => decodeText(p.dataCoding, p.content));
  return texts.every((t): t is string => t !== null) ? texts.join('') : null;
}

/** E.164 digits without the plus (or the sender's own form, for a short code or a name); null when empty. */
function address(raw: string): string | null {
  const trimmed = raw.trim().replace(/^\+/, '');
  return trimmed === '' ? null : trimmed;
}

function validIn(alphabet: Alphabet, bytes: Buffer): boolean {
  switch (alphabet) {
    case Alphabet.Gsm7:
    case Alphabet.Ascii:
      return bytes.every((b) => b <= 0x7f);
    case Alphabet.Ucs2:
      return bytes.length % 2 === 0;
    case Alphabet.Latin1:
      return true;
  }
}

type HeaderSplit = { readonly ok: true; readonly header: Buffer; readonly body: Buffer } | { readonly ok: false; readonly problem: string };

/** The user data header (its length octet first) and the text after it. */
export function splitUserDataHeader(userData: Buffer): HeaderSplit {
  if (userData.length === 0) return { ok: false, problem: 'the user data header is missing' };
  const length = userData[0];
  if (1 + length > userData.length) return { ok: false, problem: 'the user data header runs past the message' };
  return { ok: true, header: userData.subarray(1, 1 + length), body: userData.subarray(1 + length) };
}

/** The concatenation element of a header (without its length octet), null when it has none, or 'malformed'. */
export function concatenationInHeader(header: Buffer): Concatenation | null | 'malformed' {
  let found: Concatenation | null = null;
  for (let i = 0; i < header.length; ) {
    if (i + 2 > header.length) return 'malformed';
    const iei = header[i];
    const length = header[i + 1];
    const data = header.subarray(i + 2, i + 2 + length);
    if (data.length < length) return 'malformed';
    if (iei === IEI_CONCAT_8BIT_REF) {
      if (length !== 3) return 'malformed';
      found ??= { reference: data[0], total: data[1], seq: data[2] };
    } else if (iei === IEI_CONCAT_16BIT_REF) {
      if (length !== 4) return 'malformed';
      found ??= { reference: data.readUInt16BE(0), total: data[2], seq: data[3] };
    }
    i += 2 + length;
  }
  return found;
}
