// The country of a destination number, for geo permissions: US/CA by area code, any other country by its numbering plan.
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { nanpCountry } from './nanp';

/**
 * ISO 3166 alpha-2 country of an E.164 number (digits without the plus), or null when it
 * is not a valid number of any country. Country code 1 keeps Sluice's NANP rule (Canadian
 * area codes are CA, every other +1 number is US), so routing and geo permissions agree
 * on US and Canadian numbers; other country codes use libphonenumber's full metadata,
 * which also tells apart countries that share a code (+44 GB, GG, JE, IM).
 */
export function destinationCountry(e164: string): string | null {
  if (e164.startsWith('1')) return nanpCountry(e164);
  const parsed = parsePhoneNumberFromString(`+${e164}`);
  return parsed?.country && parsed.isValid() ? parsed.country : null;
}

/** Whether `code` is an ISO 3166 alpha-2 country with a numbering plan (what geo permissions can name). */
export function isKnownCountry(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}
