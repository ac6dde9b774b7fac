// Which North American Numbering Plan country a +1 number belongs to (US and Canada share country code 1).

/** Canadian geographic area codes (NPAs); other +1 numbers are treated as US. */
export const CANADIAN_AREA_CODES: ReadonlySet<string> = new Set([
  '204', '226', '236', '249', '250', '257', '263', '289', '306', '343', '354', '365', '367', '368', '382', '403', '416', '418',
  '428', '431', '437', '438', '450', '460', '468', '474', '506', '514', '519', '548', '579', '581', '584', '587', '600', '604',
  '613', '639', '647', '672', '683', '705', '709', '742', '753', '778', '780', '782', '807', '819', '825', '867', '873', '879',
  '902', '905', '942',
]);

/** `US` or `CA` for an 11-digit +1 number, null for anything else. */
export function nanpCountry(e164: string): 'US' | 'CA' | null {
  if (e164.length !== 11 || !e164.startsWith('1')) return null;
  return CANADIAN_AREA_CODES.has(e164.slice(1, 4)) ? 'CA' : 'US';
}
