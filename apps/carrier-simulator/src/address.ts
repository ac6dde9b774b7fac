// One spelling for SMPP addresses, so stored numbers and query filters compare equal.

/** `+1 201-555-0100` → `12015550100`; a sender id that is not a number is kept (trimmed). */
export function normalizeAddress(address: string | undefined): string {
  const trimmed = (address ?? '').trim();
  const digits = trimmed.replace(/^\+/, '').replace(/[\s-]/g, '');
  return /^\d+$/.test(digits) ? digits : trimmed;
}
