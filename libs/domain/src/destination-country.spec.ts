import { destinationCountry, isKnownCountry } from './destination-country';

describe('destinationCountry', () => {
  it.each([
    ['12025550123', 'US'],
    ['14165550123', 'CA'],
    ['442071838750', 'GB'],
    ['447911123456', 'GG'],
    ['33612345678', 'FR'],
    ['4930123456', 'DE'],
    ['919876543210', 'IN'],
  ])('%s is in %s', (e164, country) => {
    expect(destinationCountry(e164)).toBe(country);
  });

  it.each([
    ['4412345', 'too short for the UK plan'],
    ['999123456789', 'an unassigned country code'],
    ['1202555012', 'a +1 number with ten digits'],
  ])('%s is no country (%s)', (e164) => {
    expect(destinationCountry(e164)).toBeNull();
  });
});

describe('isKnownCountry', () => {
  it('takes ISO 3166 alpha-2 codes with a numbering plan, upper case only', () => {
    expect(['US', 'CA', 'GB', 'FR', 'IN'].every(isKnownCountry)).toBe(true);
    expect(['us', 'XX', 'USA', 'U', ''].some(isKnownCountry)).toBe(false);
  });
});
