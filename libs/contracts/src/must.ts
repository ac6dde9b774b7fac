/**
 * `value`, or an Error naming what is missing: for a value the code relies on being
 * present (a row just written, an element the caller knows exists) when its type allows
 * null or undefined.
 */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}, found ${String(value)}`);
  return value;
}
