import { encodeGsm7 } from '@sluice/domain';
import * as smpp from 'smpp';
import { deliverSmFields, keepDeliverSmContentRaw, receiptText } from './deliver-sm-content';
import {
  concatenationInHeader,
  DeliverSmFields,
  decodeText,
  isDeliveryReceipt,
  joinPartsText,
  readMobileOriginated,
  splitUserDataHeader,
} from './mobile-originated';

const ucs2 = (text: string): Buffer => Buffer.from(text, 'utf16le').swap16();

function gsm(text: string): Buffer {
  const septets = encodeGsm7(text);
  if (!septets) throw new Error('not GSM-7');
  return septets;
}

function mo(overrides: Partial<DeliverSmFields> = {}): DeliverSmFields {
  return { sourceAddr: '12025550123', destinationAddr: '14155550100', esmClass: 0, dataCoding: 0, shortMessage: gsm('Hello'), ...overrides };
}

function read(fields: DeliverSmFields) {
  const result = readMobileOriginated(fields);
  if (!result.ok) throw new Error(`refused: ${result.problem}`);
  return result.message;
}

function problem(fields: DeliverSmFields): string {
  const result = readMobileOriginated(fields);
  if (result.ok) throw new Error('read a PDU that should have been refused');
  return result.problem;
}

describe('decodeText', () => {
  it('reads GSM-7 (data_coding 0), with the extension table', () => {
    expect(decodeText(0, gsm('Price: 10€ [net] {ok} @home_$'))).toBe('Price: 10€ [net] {ok} @home_$');
    expect(decodeText(0xf1, gsm('flash'))).toBe('flash');
  });

  it('reads UCS-2 (8) big-endian, surrogate pairs included', () => {
    expect(decodeText(8, ucs2('Привет 😀'))).toBe('Привет 😀');
  });

  it('reads Latin-1 (3) and IA5 (1)', () => {
    expect(decodeText(3, Buffer.from('Olá, señor ü', 'latin1'))).toBe('Olá, señor ü');
    expect(decodeText(1, Buffer.from('plain ascii @$', 'ascii'))).toBe('plain ascii @$');
  });

  it('refuses bytes that are not valid in the coding, and codings that are not text', () => {
    expect(decodeText(0, Buffer.from([0x48, 0x80]))).toBeNull();
    expect(decodeText(8, Buffer.from([0x00, 0x41, 0x00]))).toBeNull();
    expect(decodeText(4, Buffer.from('binary'))).toBeNull();
  });
});

describe('user data header', () => {
  it('splits the header from the text', () => {
    const split = splitUserDataHeader(Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x03, 0x02, 0x61, 0x62]));
    expect(split).toEqual({ ok: true, header: Buffer.from([0x00, 0x03, 0x2a, 0x03, 0x02]), body: Buffer.from('ab') });
  });

  it('reads 8- and 16-bit concatenation references, and skips other elements', () => {
    expect(concatenationInHeader(Buffer.from([0x00, 0x03, 0x2a, 0x03, 0x02]))).toEqual({ reference: 0x2a, total: 3, seq: 2 });
    expect(concatenationInHeader(Buffer.from([0x08, 0x04, 0x12, 0x34, 0x02, 0x01]))).toEqual({ reference: 0x1234, total: 2, seq: 1 });
    expect(concatenationInHeader(Buffer.from([0x24, 0x01, 0x01, 0x00, 0x03, 0x07, 0x02, 0x02]))).toEqual({ reference: 7, total: 2, seq: 2 });
    expect(concatenationInHeader(Buffer.from([0x24, 0x01, 0x01]))).toBeNull();
  });

  it('finds a malformed header', () => {
    expect(splitUserDataHeader(Buffer.from([0x09, 0x00, 0x03, 0x01]))).toMatchObject({ ok: false });
    expect(splitUserDataHeader(Buffer.alloc(0))).toMatchObject({ ok: false });
    expect(concatenationInHeader(Buffer.from([0x00, 0x02, 0x01, 0x02]))).toBe('malformed');
    expect(concatenationInHeader(Buffer.from([0x08, 0x03, 0x01, 0x02, 0x01]))).toBe('malformed');
    expect(concatenationInHeader(Buffer.from([0x00, 0x03, 0x01]))).toBe('malformed');
    expect(concatenationInHeader(Buffer.from([0x00]))).toBe('malformed');
  });
});

describe('readMobileOriginated', () => {
  it('reads a single message: addresses without a plus, the text bytes as sent', () => {
    expect(read(mo({ sourceAddr: '+12025550123' }))).toEqual({ from: '12025550123', to: '14155550100', dataCoding: 0, content: gsm('Hello'), concatenation: null });
  });

  it('reads a part from its UDH', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x07, 0x03, 0x02]);
    const part = read(mo({ esmClass: 0x40, dataCoding: 8, shortMessage: Buffer.concat([udh, ucs2('part two')]) }));
    expect(part).toMatchObject({ concatenation: { reference: 7, total: 3, seq: 2 }, content: ucs2('part two') });
  });

  it('reads a part from the SAR TLVs, and the text from message_payload when short_message is empty', () => {
    const part = read(mo({ shortMessage: Buffer.alloc(0), messagePayload: gsm('long'), sarMsgRefNum: 300, sarTotalSegments: 2, sarSegmentSeqnum: 2 }));
    expect(part).toMatchObject({ concatenation: { reference: 300, total: 2, seq: 2 }, content: gsm('long') });
  });

  it('takes a part of one as a whole message', () => {
    expect(read(mo({ esmClass: 0x40, shortMessage: Buffer.concat([Buffer.from([0x05, 0x00, 0x03, 0x01, 0x01, 0x01]), gsm('x')]) })).concatenation).toBeNull();
  });

  it('refuses what it cannot read, saying why without quoting it', () => {
    expect(problem(mo({ sourceAddr: ' ' }))).toBe('no source address');
    expect(problem(mo({ destinationAddr: '' }))).toBe('no destination address');
    expect(problem(mo({ dataCoding: 4 }))).toBe('data_coding 4 is not a text coding');
    expect(problem(mo({ shortMessage: Buffer.from([0x48, 0xc8]) }))).toBe('the text is not valid gsm7');
    expect(problem(mo({ dataCoding: 8, shortMessage: Buffer.from([0x00, 0x48, 0x00]) }))).toBe('the text is not valid ucs2');
    expect(problem(mo({ esmClass: 0x40, shortMessage: Buffer.from([0x0b, 0x00, 0x03]) }))).toBe('the user data header runs past the message');
    expect(problem(mo({ esmClass: 0x40, shortMessage: Buffer.from([0x04, 0x00, 0x02, 0x01, 0x02, 0x41]) }))).toMatch(/concatenation element/);
    expect(problem(mo({ esmClass: 0x40, shortMessage: Buffer.from([0x05, 0x00, 0x03, 0x01, 0x02, 0x03, 0x41]) }))).toBe('part 3 of 2 is not a part number');
    expect(problem(mo({ sarMsgRefNum: 1, sarTotalSegments: 2, sarSegmentSeqnum: 0 }))).toBe('part 0 of 2 is not a part number');
  });

  it('tells receipts from messages by the esm_class message type', () => {
    expect(isDeliveryReceipt(0x00)).toBe(false);
    expect(isDeliveryReceipt(0x40)).toBe(false);
    expect(isDeliveryReceipt(0x04)).toBe(true);
    expect(isDeliveryReceipt(0x08)).toBe(true);
    expect(isDeliveryReceipt(0x20)).toBe(true);
  });
});

describe('joinPartsText', () => {
  it('joins parts in sequence order whatever order they are given in', () => {
    const parts = ['one ', 'two ', 'three'].map((t, i) => ({ seq: i + 1, dataCoding: 0, content: gsm(t) }));
    expect(joinPartsText([parts[2], parts[0], parts[1]])).toBe('one two three');
  });

  it('keeps an escape and a surrogate pair cut between two parts whole', () => {
    const septets = gsm('a€b');
    expect(joinPartsText([{ seq: 2, dataCoding: 0, content: septets.subarray(2) }, { seq: 1, dataCoding: 0, content: septets.subarray(0, 2) }])).toBe('a€b');
    const emoji = ucs2('x😀');
    expect(joinPartsText([{ seq: 1, dataCoding: 8, content: emoji.subarray(0, 4) }, { seq: 2, dataCoding: 8, content: emoji.subarray(4) }])).toBe('x😀');
  });

  it('decodes parts in different codings one by one', () => {
    expect(joinPartsText([{ seq: 1, dataCoding: 0, content: gsm('abc ') }, { seq: 2, dataCoding: 8, content: ucs2('жд') }])).toBe('abc жд');
  });

  it('joins the parts that came when some are missing', () => {
    expect(joinPartsText([{ seq: 3, dataCoding: 0, content: gsm('end') }, { seq: 1, dataCoding: 0, content: gsm('start ') }])).toBe('start end');
  });
});

describe('deliver_sm as read off the wire', () => {
  beforeAll(() => keepDeliverSmContentRaw());

  /** Encodes a deliver_sm and reads it back the way a session does. */
  function overTheWire(options: smpp.PduOptions): smpp.PDU {
    return new smpp.PDU(new smpp.PDU('deliver_sm', { sequence_number: 1, ...options }).toBuffer());
  }

  it('keeps the carrier bytes, which the package would have turned into spaces', () => {
    const pdu = overTheWire({ source_addr: '12025550123', destination_addr: '14155550100', data_coding: 0, short_message: Buffer.from([0x48, 0xc8]) });
    expect(readMobileOriginated(deliverSmFields(pdu))).toEqual({ ok: false, problem: 'the text is not valid gsm7' });
  });

  it('reads a UCS-2 part with its UDH and a GSM-7 receipt text', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x09, 0x02, 0x01]);
    const part = overTheWire({ source_addr: '12025550123', destination_addr: '14155550100', esm_class: 0x40, data_coding: 8, short_message: Buffer.concat([udh, ucs2('Привет')]) });
    const read = readMobileOriginated(deliverSmFields(part));
    expect(read).toMatchObject({ ok: true, message: { concatenation: { reference: 9, total: 2, seq: 1 } } });
    expect(read.ok && decodeText(8, read.message.content)).toBe('Привет');
    const receipt = overTheWire({ esm_class: 0x04, data_coding: 0, short_message: Buffer.from('id:abc sub:001 dlvrd:001 stat:DELIVRD err:000 text:', 'ascii') });
    expect(receiptText(receipt)).toBe('id:abc sub:001 dlvrd:001 stat:DELIVRD err:000 text:');
  });

  it('leaves other PDUs to the package', () => {
    const submit = new smpp.PDU(new smpp.PDU('submit_sm', { sequence_number: 1, destination_addr: '1', short_message: 'hello' }).toBuffer());
    expect(submit.short_message).toEqual({ message: 'hello' });
  });
});
