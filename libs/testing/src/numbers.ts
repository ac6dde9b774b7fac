// Phone numbers for tests: fictional 555 numbers, distinct within a test process.

const start = Math.floor(Math.random() * 10_000);
let counter = 0;

/** E.164 digits of a US number `1 <area code> 555 xxxx`; 10,000 calls in one process before a repeat. */
export function testNumber(areaCode = '202'): string {
  counter += 1;
  return `1${areaCode}555${String((start + counter) % 10_000).padStart(4, '0')}`;
}
