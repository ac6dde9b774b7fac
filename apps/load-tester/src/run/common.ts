// Small helpers the steps of a load-test run share.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A whole number with thousands separators; `–` for what is not a number. */
export const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
