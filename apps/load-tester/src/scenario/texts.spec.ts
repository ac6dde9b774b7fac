import { countUnits } from '@sluice/domain';
import { seededRandom } from './mix';
import { makeText } from './texts';

describe('makeText', () => {
  it('costs exactly the units asked for, in the encoding asked for', () => {
    const random = seededRandom(3);
    for (const encoding of ['gsm', 'ucs2'] as const) {
      for (let units = 1; units <= 10; units += 1) {
        for (let i = 0; i < 20; i += 1) {
          const counted = countUnits(makeText(encoding, units, random, `#${i.toString(36)}`));
          expect({ units: counted.units, encoding: counted.encoding }).toEqual({ units, encoding: encoding === 'gsm' ? 'GSM' : 'UCS2' });
        }
      }
    }
  });
});
