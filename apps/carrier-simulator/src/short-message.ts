// Reads what the simulator keeps of a submit_sm's content: a hash of the text and the concatenation part info.
import { createHash } from 'node:crypto';
import type { DecodedMessage, PDU } from 'smpp';
import type { PartInfo } from './submission.store';

export interface MessageContent {
  readonly textSha256: string;
  readonly parts?: PartInfo;
}

/** UDH information element ids for concatenated SMS (3GPP TS 23.040 9.2.3.24.1 / .8). */
const IEI_CONCAT_8BIT_REF = 0x00;
const IEI_CONCAT_16BIT_REF = 0x08;

/**
 * smpp@0.5.1 decodes `short_message` (and `message_payload`) on read into
 * `{ message, udh? }`: `message` is a string for the data codings it knows (0 and 1 as
 * GSM 03.38, 3 as Latin-1, 8 as UCS-2, ...) and the raw bytes otherwise; `udh` holds the
 * header's information elements when esm_class has the UDHI bit. Text is hashed as UTF-8,
 * so one text hashes the same whichever coding carried it; raw bytes are hashed as they are.
 */
export function readContent(pdu: PDU): MessageContent {
  const short = asDecoded(pdu.short_message);
  // Long texts may come in the message_payload TLV with an empty short_message.
  const body = isEmpty(short) && pdu.message_payload !== undefined ? asDecoded(pdu.message_payload) : short;
  const text = body.message;
  const textSha256 = createHash('sha256')
    .update(typeof text === 'string' ? Buffer.from(text, 'utf8') : text)
    .digest('hex');
  const parts = partsFromUdh(body.udh ?? []) ?? partsFromSar(pdu);
  return parts ? { textSha256, parts } : { textSha256 };
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function asDecoded(value: PDU['short_message']): DecodedMessage {
  if (value === undefined) return { message: '' };
  if (typeof value === 'string' || Buffer.isBuffer(value)) return { message: value };
  // A single Buffer `udh` is the outgoing form (a whole header), which the package never produces on read.
  const udh = value.udh === undefined || Buffer.isBuffer(value.udh) ? [] : value.udh;
  return { message: value.message, udh };
}

function isEmpty(decoded: DecodedMessage): boolean {
  return decoded.message.length === 0 && (decoded.udh ?? []).length === 0;
}

function partsFromUdh(elements: readonly Buffer[]): PartInfo | undefined {
  for (const ie of elements) {
    if (ie[0] === IEI_CONCAT_8BIT_REF && ie[1] === 3 && ie.length >= 5) {
      return { ref: ie[2], total: ie[3], seq: ie[4] };
    }
    if (ie[0] === IEI_CONCAT_16BIT_REF && ie[1] === 4 && ie.length >= 6) {
      return { ref: ie.readUInt16BE(2), total: ie[4], seq: ie[5] };
    }
  }
  return undefined;
}

/** SMPP's own segmentation TLVs, used by ESMEs that do not build a UDH. */
function partsFromSar(pdu: PDU): PartInfo | undefined {
  const { sar_msg_ref_num: ref, sar_total_segments: total, sar_segment_seqnum: seq } = pdu;
  return ref !== undefined && total !== undefined && seq !== undefined ? { ref, total, seq } : undefined;
}
