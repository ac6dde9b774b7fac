import { CARRIER_PREFIXES, CARRIERS, carrierFor, prefixRouter } from './carriers';

describe('carrierFor', () => {
  it.each([
    ['12015550100', 'att', '310', '410'],
    ['12025550100', 'att', '310', '410'],
    ['13035550100', 'tmobile', '310', '260'],
    ['14155550100', 'tmobile', '310', '260'],
    ['12125550100', 'verizon', '311', '480'],
    ['16465550100', 'verizon', '311', '480'],
    ['14165550100', 'rogers', '302', '720'],
    ['16045550100', 'rogers', '302', '720'],
  ])('routes %s to %s (%s/%s)', (destination, id, mcc, mnc) => {
    expect(carrierFor(destination)).toEqual(expect.objectContaining({ id, mcc, mnc }));
  });

  it('accepts a leading plus and separators', () => {
    expect(carrierFor('+1 212-555-0100').id).toBe('verizon');
  });

  it.each(['13125550100', '447700900123', '1', '', 'SLUICE'])('gives unknown (000/000) for %p', (destination) => {
    expect(carrierFor(destination)).toEqual({ id: 'unknown', name: 'Unknown', mcc: '000', mnc: '000' });
  });

  it('does not match a prefix that only appears later in the number', () => {
    expect(carrierFor('13131201555').id).toBe('unknown');
  });

  it('prefers the longest matching prefix, whatever the table order', () => {
    const route = prefixRouter([
      ['1', 'verizon'],
      ['1201', 'att'],
      ['12015', 'rogers'],
    ]);
    expect(route('12015550100').id).toBe('rogers');
    expect(route('12016550100').id).toBe('att');
    expect(route('13035550100').id).toBe('verizon');
    expect(route('447700900123').id).toBe('unknown');
  });

  it('has no two table entries with the same prefix', () => {
    const prefixes = CARRIER_PREFIXES.map(([prefix]) => prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expect(Object.keys(CARRIERS)).toEqual(['att', 'tmobile', 'verizon', 'rogers', 'unknown']);
  });
});
