import { createHash } from 'node:crypto';
import { PDU, PduOptions } from 'smpp';
import { readContent, sha256Hex } from './short-message';

/** Encodes as an ESME would and decodes as the server does, through the smpp package itself. */
function overTheWire(options: PduOptions): PDU {
  return new PDU(new PDU('submit_sm', { destination_addr: '12015550100', ...options }).toBuffer());
}

describe('readContent', () => {
  it('hashes GSM text (the package picks data_coding 1 for it) as UTF-8', () => {
    const pdu = overTheWire({ short_message: 'Hello @ world' });
    expect(readContent(pdu)).toEqual({ textSha256: sha256Hex('Hello @ world') });
  });

  it('hashes UCS-2 text to the same value as the text', () => {
    const pdu = overTheWire({ short_message: 'Привет 👋' });
    expect(pdu.data_coding).toBe(8);
    expect(readContent(pdu).textSha256).toBe(sha256Hex('Привет 👋'));
  });

  it('reads the text from message_payload when short_message is empty', () => {
    const pdu = overTheWire({ message_payload: 'long text in a TLV', data_coding: 0 });
    expect(readContent(pdu).textSha256).toBe(sha256Hex('long text in a TLV'));
  });

  it('reads part info from an 8-bit reference UDH', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x03, 0x02]);
    const pdu = overTheWire({ short_message: { udh, message: 'second part' } });
    expect(readContent(pdu)).toEqual({ textSha256: sha256Hex('second part'), parts: { ref: 0x2a, total: 3, seq: 2 } });
  });

  it('reads part info from a 16-bit reference UDH', () => {
    const udh = Buffer.from([0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01]);
    const pdu = overTheWire({ short_message: { udh, message: 'first' } });
    expect(readContent(pdu).parts).toEqual({ ref: 0x1234, total: 2, seq: 1 });
  });

  it('reads part info from the SAR TLVs', () => {
    const pdu = overTheWire({ short_message: 'part', sar_msg_ref_num: 513, sar_total_segments: 4, sar_segment_seqnum: 4 });
    expect(readContent(pdu).parts).toEqual({ ref: 513, total: 4, seq: 4 });
  });

  it('hashes undecodable (binary) content as raw bytes', () => {
    const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    const pdu = overTheWire({ short_message: bytes, data_coding: 4 });
    expect(readContent(pdu).textSha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
