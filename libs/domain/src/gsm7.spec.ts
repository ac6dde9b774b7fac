import fc from 'fast-check';
import { decodeGsm7, encodeGsm7, GSM7_BASIC, GSM7_EXTENSION } from './gsm7';
import { gsm7Length } from './units';

describe('GSM-7 (unpacked septets)', () => {
  it('maps the default alphabet by septet value', () => {
    expect(decodeGsm7(Buffer.from([0x00, 0x01, 0x02, 0x11, 0x41, 0x61, 0x7f]))).toBe('@£$_Aaà');
    expect(encodeGsm7('Hello @ $5')).toEqual(Buffer.from('48656c6c6f2000200235', 'hex'));
  });

  it('reads the extension table after an escape', () => {
    expect(decodeGsm7(Buffer.from([0x1b, 0x65, 0x31, 0x30, 0x1b, 0x3c, 0x78, 0x1b, 0x3e, 0x1b, 0x28, 0x1b, 0x29, 0x1b, 0x40, 0x1b, 0x14, 0x1b, 0x3d, 0x1b, 0x2f, 0x1b, 0x0a]))).toBe(
      '€10[x]{}|^~\\\f',
    );
    expect(encodeGsm7('€[]')).toEqual(Buffer.from([0x1b, 0x65, 0x1b, 0x3c, 0x1b, 0x3e]));
  });

  it('shows the default character for an escape the extension table lacks, and nothing for a trailing escape', () => {
    expect(decodeGsm7(Buffer.from([0x1b, 0x41, 0x62]))).toBe('Ab');
    expect(decodeGsm7(Buffer.from([0x61, 0x1b]))).toBe('a');
    expect(decodeGsm7(Buffer.from([0x1b, 0x1b, 0x61]))).toBe(' a');
  });

  it('refuses octets that are not septets', () => {
    expect(decodeGsm7(Buffer.from([0x61, 0x80]))).toBeNull();
    expect(decodeGsm7(Buffer.from([0x1b, 0xff]))).toBeNull();
  });

  it('refuses to encode characters outside GSM-7', () => {
    expect(encodeGsm7('ж')).toBeNull();
    expect(encodeGsm7('a😀')).toBeNull();
  });

  it('has 128 characters and ten extension characters', () => {
    expect(Array.from(GSM7_BASIC)).toHaveLength(128);
    expect(GSM7_EXTENSION.size).toBe(10);
  });

  it('decodes what it encodes, in as many septets as the unit count says', () => {
    const gsmChar = fc.constantFrom(...Array.from(GSM7_BASIC).filter((c) => c !== '\u001b'), ...GSM7_EXTENSION.values());
    fc.assert(
      fc.property(fc.array(gsmChar, { maxLength: 200 }), (chars) => {
        const text = chars.join('');
        const septets = encodeGsm7(text) ?? Buffer.alloc(0);
        expect(decodeGsm7(septets)).toBe(text);
        expect(septets.length).toBe(gsm7Length(text));
      }),
    );
  });
});
