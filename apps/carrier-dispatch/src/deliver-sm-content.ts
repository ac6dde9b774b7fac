// The content of a deliver_sm as the carrier's bytes, for the receipt parser and the MO reader.
import * as smpp from 'smpp';
import type { DeliverSmFields } from './mobile-originated';
import { decodeText } from './mobile-originated';

let installed = false;

/**
 * smpp@0.5.1 decodes `short_message` and `message_payload` while it reads a PDU, and turns
 * what it cannot map into spaces without a sign. For deliver_sm the bytes are kept as the
 * carrier sent them instead, so that mobile-originated.ts can refuse what is malformed and
 * read every coding exactly; other PDUs decode as the package always did. Idempotent.
 */
export function keepDeliverSmContentRaw(): void {
  if (installed) return;
  installed = true;
  const filter = smpp.filters.message;
  const decode = filter.decode;
  filter.decode = function (this: smpp.PDU, value: unknown, skipUdh?: boolean): unknown {
    return this.command === 'deliver_sm' ? value : decode.call(this, value, skipUdh);
  };
}

export function deliverSmFields(pdu: smpp.PDU): DeliverSmFields {
  return {
    sourceAddr: pdu.source_addr ?? '',
    destinationAddr: pdu.destination_addr ?? '',
    esmClass: pdu.esm_class ?? 0,
    dataCoding: pdu.data_coding ?? 0,
    shortMessage: bytesOf(pdu.short_message) ?? Buffer.alloc(0),
    messagePayload: bytesOf(pdu.message_payload),
    sarMsgRefNum: pdu.sar_msg_ref_num,
    sarTotalSegments: pdu.sar_total_segments,
    sarSegmentSeqnum: pdu.sar_segment_seqnum,
  };
}

/** A delivery receipt's text (`id:… stat:DELIVRD err:000 …`), whatever coding it came in. */
export function receiptText(pdu: smpp.PDU): string {
  const bytes = bytesOf(pdu.short_message);
  const body = bytes && bytes.length > 0 ? bytes : (bytesOf(pdu.message_payload) ?? Buffer.alloc(0));
  return decodeText(pdu.data_coding ?? 0, body) ?? body.toString('latin1');
}

function bytesOf(value: smpp.PDU['short_message']): Buffer | undefined {
  if (value === undefined) return undefined;
  if (Buffer.isBuffer(value)) return value;
  // Not read through the filter above (a PDU built in this process): its text as it was given.
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  return typeof value.message === 'string' ? Buffer.from(value.message, 'latin1') : value.message;
}
