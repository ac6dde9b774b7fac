import { TextEncoding } from '@sluice/contracts';
import fc from 'fast-check';
import { countUnits, splitIntoParts } from './units';

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

describe('splitIntoParts', () => {
  it('keeps a one-unit text whole', () => {
    expect(splitIntoParts('hello')).toEqual(['hello']);
  });

  it('cuts GSM-7 at 153 septets without separating an extension character from its escape', () => {
    const parts = splitIntoParts(`${'a'.repeat(152)}€${'b'.repeat(10)}`);
    expect(parts).toEqual(['a'.repeat(152), `€${'b'.repeat(10)}`]);
  });

  it('cuts UCS-2 at 67 code units without separating a surrogate pair', () => {
    const parts = splitIntoParts(`${'ж'.repeat(66)}😀${'ж'.repeat(10)}`);
    expect(parts).toEqual(['ж'.repeat(66), `😀${'ж'.repeat(10)}`]);
  });

  it('gives as many parts as units, which join back to the text', () => {
    const alphabet = fc.constantFrom('a', 'Z', '0', ' ', '€', '^', '{', 'ж', 'é', '😀', '\n');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 700 }).map((chars) => chars.join('')), (text) => {
        const parts = splitIntoParts(text);
        expect(parts.join('')).toBe(text);
        expect(parts).toHaveLength(countUnits(text).units);
      }),
      { numRuns: 300 },
    );
  });
});
