import { decodeGsm7 } from '@sluice/domain';
import { encodeMoText, mobileOriginatedPdus, MoRequestError } from './mobile-originated';

const base = { source: '+1 202-555-0123', destination: '14155550100' };

describe('encodeMoText', () => {
  it('picks GSM-7 when every character has a septet, else UCS-2', () => {
    expect(encodeMoText('Hi @ €', undefined)).toMatchObject({ dataCoding: 0, bytes: Buffer.from([0x48, 0x69, 0x20, 0x00, 0x20, 0x1b, 0x65]), unit: 1 });
    expect(encodeMoText('жж', undefined)).toMatchObject({ dataCoding: 8, bytes: Buffer.from([0x04, 0x36, 0x04, 0x36]), unit: 2 });
  });

  it('uses the coding asked for, refusing text it cannot carry', () => {
    expect(encodeMoText('é', 3).bytes).toEqual(Buffer.from([0xe9]));
    expect(encodeMoText('a', 8).bytes).toEqual(Buffer.from([0x00, 0x61]));
    expect(() => encodeMoText('ж', 0)).toThrow(MoRequestError);
    expect(() => encodeMoText('ж', 3)).toThrow('has characters outside Latin-1; choose dataCoding 8');
  });
});

describe('mobileOriginatedPdus', () => {
  it('sends one PDU with normalized addresses, in message_payload when short_message is too small', () => {
    const [single] = mobileOriginatedPdus({ ...base, text: 'STOP' });
    expect(single).toMatchObject({ source_addr: '12025550123', source_addr_ton: 1, destination_addr: '14155550100', esm_class: 0, data_coding: 0, short_message: Buffer.from('STOP') });
    const [long] = mobileOriginatedPdus({ ...base, text: 'ж'.repeat(200) });
    expect(long).toMatchObject({ data_coding: 8, message_payload: expect.any(Buffer) });
    expect(long?.short_message).toBeUndefined();
  });

  it('cuts the text into the parts asked for, each with a UDH, in the order asked', () => {
    const pdus = mobileOriginatedPdus({ ...base, text: 'abcdefgh', parts: 3, order: [2, 3, 1] }, () => 77);
    expect(pdus.map((p) => p.esm_class)).toEqual([0x40, 0x40, 0x40]);
    const bodies = pdus.map((p) => p.short_message as Buffer);
    expect(bodies.map((b) => [...b.subarray(0, 6)])).toEqual([
      [5, 0, 3, 77, 3, 2],
      [5, 0, 3, 77, 3, 3],
      [5, 0, 3, 77, 3, 1],
    ]);
    expect(decodeGsm7(Buffer.concat([bodies[2], bodies[0], bodies[1]].map((b) => b.subarray(6))))).toBe('abcdefgh');
  });

  it('writes a 16-bit reference, or the SAR TLVs', () => {
    const [first] = mobileOriginatedPdus({ ...base, text: 'abcd', parts: 2, reference: 0x1234, referenceBits: 16 });
    expect([...((first?.short_message as Buffer | undefined)?.subarray(0, 7) ?? [])]).toEqual([6, 8, 4, 0x12, 0x34, 2, 1]);
    const sar = mobileOriginatedPdus({ ...base, text: 'abcd', parts: 2, reference: 9, concatenation: 'sar' });
    expect(sar.map((p) => [p.esm_class, p.sar_msg_ref_num, p.sar_total_segments, p.sar_segment_seqnum, (p.short_message as Buffer).toString()])).toEqual([
      [0, 9, 2, 1, 'ab'],
      [0, 9, 2, 2, 'cd'],
    ]);
  });

  it('never cuts a UCS-2 unit in two, and makes exactly the parts asked for', () => {
    const pdus = mobileOriginatedPdus({ ...base, text: 'abcdefghij', parts: 4, dataCoding: 8 });
    const sizes = pdus.map((p) => (p.short_message as Buffer).length - 6);
    expect(sizes).toHaveLength(4);
    expect(sizes.every((n) => n > 0 && n % 2 === 0)).toBe(true);
    expect(sizes.reduce((a, b) => a + b)).toBe(20);
  });

  it('refuses orders, references and part counts that do not fit', () => {
    expect(() => mobileOriginatedPdus({ ...base, text: 'abc', parts: 2, order: [1] })).toThrow('must list each part number from 1 to 2 once');
    expect(() => mobileOriginatedPdus({ ...base, text: 'abc', parts: 2, reference: 256 })).toThrow('must be a whole number from 0 to 255');
    expect(() => mobileOriginatedPdus({ ...base, text: 'a'.repeat(600), parts: 2 })).toThrow(/is too few for the text/);
  });
});
