// E.164 parsing and the partial redaction Plivo applies when a number is not logged.

/** E.164 digits without the plus: country code first, 8 to 15 digits in all. */
const E164_DIGITS = /^[1-9]\d{7,14}$/;

/** Normalises `+14155550100` / `14155550100` to `14155550100`; null when not E.164. */
export function normalizeE164(input: string): string | null {
  const trimmed = input.trim();
  const digits = trimmed.startsWith('+') ? trimmed.slice(1) : trimmed;
  return E164_DIGITS.test(digits) ? digits : null;
}

/** `12025550123` → `12025550***`: the last three digits hidden. */
export function redactNumber(e164: string): string {
  return e164.length <= 3 ? '***' : `${e164.slice(0, -3)}***`;
}

/** For logs: country code and the last two digits only. */
export function maskForLog(e164: string): string {
  return e164.length <= 4 ? '****' : `${e164.slice(0, 1)}…${e164.slice(-2)}`;
}

/** North American Numbering Plan (US and Canada share country code 1). */
export function isNanp(e164: string): boolean {
  return e164.length === 11 && e164.startsWith('1');
}

export const REDACTED_TEXT = '***Text Content Redacted***';
