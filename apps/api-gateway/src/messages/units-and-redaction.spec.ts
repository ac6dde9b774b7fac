// Property tests: units as GSM-7 / UCS-2 rules count them, and what `log` lets Postgres keep.
import { LogMode, TextEncoding } from '@sluice/contracts';
import { countUnits, REDACTED_TEXT } from '@sluice/domain';
import fc from 'fast-check';
import { storedForm } from './redaction';
import { toMessageView } from './message.view';
import type { MessageEntity } from '@sluice/persistence';

/** The GSM 03.38 default alphabet and its extension table, written out independently of the implementation. */
const GSM_BASIC = [
  ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
];
const GSM_EXTENSION = [...'^{}\\[~]|€\f'];
const NON_GSM = [...'жあ😀ç•“”–ñ'].filter((c) => !GSM_BASIC.includes(c) && !GSM_EXTENSION.includes(c));

const gsmText = fc.array(fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...GSM_BASIC) }, { weight: 1, arbitrary: fc.constantFrom(...GSM_EXTENSION) }), { maxLength: 1_700 });
const mixedText = fc
  .tuple(gsmText, fc.constantFrom(...NON_GSM), fc.nat())
  .map(([chars, odd, at]) => {
    const copy = [...chars];
    copy.splice(at % (copy.length + 1), 0, odd);
    return copy.join('');
  });

function expectedUnits(length: number, single: number, perPart: number): number {
  return length <= single ? 1 : Math.ceil(length / perPart);
}

describe('units (property)', () => {
  it('counts GSM-7 texts in septets: extension characters two, 160 in one unit, 153 per unit when split, 1,600 at most', () => {
    fc.assert(
      fc.property(gsmText, (chars) => {
        const septets = chars.reduce((n, c) => n + (GSM_EXTENSION.includes(c) ? 2 : 1), 0);
        const result = countUnits(chars.join(''));
        expect(result.encoding).toBe(TextEncoding.Gsm7);
        expect(result.length).toBe(septets);
        expect(result.units).toBe(expectedUnits(septets, 160, 153));
        expect(result.tooLong).toBe(septets > 1_600);
      }),
      { numRuns: 300 },
    );
  });

  it('makes the whole text UCS-2 for one non-GSM character: 70 in one unit, 67 per unit, 737 at most', () => {
    fc.assert(
      fc.property(mixedText, (text) => {
        const result = countUnits(text);
        expect(result.encoding).toBe(TextEncoding.Ucs2);
        // UCS-2 counts UTF-16 code units: an emoji is two.
        expect(result.length).toBe(text.length);
        expect(result.units).toBe(expectedUnits(text.length, 70, 67));
        expect(result.tooLong).toBe(text.length > 737);
      }),
      { numRuns: 300 },
    );
  });

  it('never lowers the units when text is appended, and every unit carries at least one character', () => {
    fc.assert(
      fc.property(fc.oneof(gsmText.map((c) => c.join('')), mixedText), fc.string({ maxLength: 50 }), (text, more) => {
        const before = countUnits(text);
        const after = countUnits(text + more);
        if (after.encoding === before.encoding) expect(after.units).toBeGreaterThanOrEqual(before.units);
        expect(before.units).toBeGreaterThanOrEqual(1);
        expect(before.units).toBeLessThanOrEqual(Math.max(1, before.length));
      }),
      { numRuns: 300 },
    );
  });
});

describe('redaction (property)', () => {
  const destination = fc.stringMatching(/^1[2-9]\d{2}[2-9]\d{6}$/);
  const mode = fc.constantFrom(...Object.values(LogMode));

  it('keeps the number only when log is true or number_only, else only all but its last three digits', () => {
    fc.assert(
      fc.property(mode, destination, fc.string(), (log, dst, text) => {
        const stored = storedForm(log, dst, text);
        if (log === LogMode.All || log === LogMode.NumberOnly) {
          expect(stored.toNumber).toBe(dst);
        } else {
          // The last three digits are gone, not merely hidden on read.
          expect(stored.toNumber).toBe(`${dst.slice(0, -3)}***`);
          expect(stored.toNumber).toHaveLength(dst.length);
        }
      }),
    );
  });

  it('keeps the content (text and media) only when log is true or content_only', () => {
    fc.assert(
      fc.property(mode, destination, fc.string({ minLength: 1 }), (log, dst, text) => {
        const stored = storedForm(log, dst, text);
        const keeps = log === LogMode.All || log === LogMode.ContentOnly;
        expect(stored.text).toBe(keeps ? text : null);
        expect(stored.keepsMedia).toBe(keeps);
      }),
    );
  });

  it('reads back what was not kept as Plivo shows it', () => {
    fc.assert(
      fc.property(mode, destination, fc.string({ minLength: 1 }), (log, dst, text) => {
        const stored = storedForm(log, dst, text);
        const view = toMessageView({
          messageUuid: '00000000-0000-4000-8000-000000000000',
          accountId: 'MAABCDEFGHIJKLMNOPQR',
          messageTime: new Date(0),
          updatedAt: new Date(0),
          sentAt: null,
          messageDirection: 'outbound',
          messageState: 'queued',
          messageType: 'sms',
          fromNumber: '14155550100',
          toNumber: stored.toNumber,
          text: stored.text,
          logMode: log,
          units: 1,
          totalRate: '0.005',
          totalAmount: '0.005',
          errorCode: '000',
          messageExpiry: 10_800,
          powerpackId: null,
          destinationCountry: 'US',
          mcc: null,
          mnc: null,
        } as MessageEntity);
        expect(view.to_number).toBe(stored.toNumber);
        expect(view.text).toBe(stored.text ?? REDACTED_TEXT);
        expect(view.log).toBe(log === LogMode.All ? true : log === LogMode.None ? false : log);
      }),
    );
  });
});
