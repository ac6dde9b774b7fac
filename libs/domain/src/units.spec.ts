import { TextEncoding } from '@sluice/contracts';
import { countUnits } from './units';

describe('countUnits', () => {
  it.each([
    ['', 1, TextEncoding.Gsm7],
    ['a'.repeat(160), 1, TextEncoding.Gsm7],
    ['a'.repeat(161), 2, TextEncoding.Gsm7],
    ['a'.repeat(306), 2, TextEncoding.Gsm7],
    ['a'.repeat(307), 3, TextEncoding.Gsm7],
    ['€'.repeat(80), 1, TextEncoding.Gsm7],
    ['€'.repeat(81), 2, TextEncoding.Gsm7],
    ['ü'.repeat(70).replace(/ü/g, 'ж'), 1, TextEncoding.Ucs2],
    ['ж'.repeat(71), 2, TextEncoding.Ucs2],
    ['ж'.repeat(134), 2, TextEncoding.Ucs2],
    ['ж'.repeat(135), 3, TextEncoding.Ucs2],
  ])('counts %#', (text, units, encoding) => {
    const result = countUnits(text);
    expect(result.units).toBe(units);
    expect(result.encoding).toBe(encoding);
  });

  it('makes the whole text UCS-2 for one non-GSM character', () => {
    expect(countUnits(`${'a'.repeat(100)}😀`)).toMatchObject({ encoding: TextEncoding.Ucs2, length: 102, units: 2 });
  });

  it('flags texts past 1,600 GSM characters or 737 UCS-2 characters', () => {
    expect(countUnits('a'.repeat(1600)).tooLong).toBe(false);
    expect(countUnits('a'.repeat(1601)).tooLong).toBe(true);
    expect(countUnits('ж'.repeat(737)).tooLong).toBe(false);
    expect(countUnits('ж'.repeat(738)).tooLong).toBe(true);
  });
});
