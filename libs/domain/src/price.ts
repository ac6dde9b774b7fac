// Prices as the rate card keeps them: decimal strings with five decimals, computed in whole 1/100,000 units.

/** 1/100,000 of the currency unit: the rate card's and the records' precision. */
export const PRICE_SCALE = 100_000;

/** A decimal amount (`"0.00500"`) in whole 1/100,000 units (500). */
export function priceUnits(amount: string | number): number {
  return Math.round(Number(amount) * PRICE_SCALE);
}

/** Units back to Plivo's decimal string with five decimals. */
export function formatPrice(units: number): string {
  return (units / PRICE_SCALE).toFixed(5);
}

/** What a message of `units` costs at `ratePerUnit`, exact to the fifth decimal. */
export function messageAmount(ratePerUnit: string, units: number): string {
  return formatPrice(priceUnits(ratePerUnit) * units);
}
