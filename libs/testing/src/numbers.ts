// Phone numbers for tests.

/** E.164 digits of a US number in the given area code, unique per call within a run. */
let counter = 0;
export function testNumber(areaCode = '202'): string {
  counter += 1;
  return `1${areaCode}555${String((Date.now() + counter) % 10_000).padStart(4, '0')}`;
}
