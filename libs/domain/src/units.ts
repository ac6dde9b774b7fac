// Counts the units (carrier submissions) a text costs under GSM-7 / UCS-2 rules.
import { TextEncoding } from '@sluice/contracts';
import { isGsm7Basic, isGsm7Extension } from './gsm7';

export const UNIT_LIMITS = {
  [TextEncoding.Gsm7]: { single: 160, perPart: 153, maxChars: 1600 },
  [TextEncoding.Ucs2]: { single: 70, perPart: 67, maxChars: 737 },
} as const;

export interface TextUnits {
  readonly encoding: TextEncoding;
  /** Length in the encoding's own characters (GSM septets or UTF-16 code units). */
  readonly length: number;
  readonly units: number;
  readonly tooLong: boolean;
}

/** GSM-7 septet count, or null when one character is outside GSM-7. */
export function gsm7Length(text: string): number | null {
  let septets = 0;
  for (const ch of text) {
    if (isGsm7Basic(ch)) septets += 1;
    // An extension character costs two septets (escape + code).
    else if (isGsm7Extension(ch)) septets += 2;
    else return null;
  }
  return septets;
}

export function countUnits(text: string): TextUnits {
  const septets = gsm7Length(text);
  const encoding = septets === null ? TextEncoding.Ucs2 : TextEncoding.Gsm7;
  const length = septets ?? text.length;
  const limits = UNIT_LIMITS[encoding];
  const units = length <= limits.single ? 1 : Math.ceil(length / limits.perPart);
  return { encoding, length, units, tooLong: length > limits.maxChars };
}

/**
 * Splits a text into the parts a carrier receives, one per unit: GSM-7 parts of at most
 * 153 septets (an extension character and its escape are never separated), UCS-2 parts
 * of at most 67 UTF-16 code units (a surrogate pair is never separated). A text that
 * fits one unit is one part.
 */
export function splitIntoParts(text: string): string[] {
  const { encoding, units } = countUnits(text);
  if (units === 1) return [text];
  const limit = UNIT_LIMITS[encoding].perPart;
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const ch of text) {
    const cost = encoding === TextEncoding.Gsm7 ? (isGsm7Extension(ch) ? 2 : 1) : ch.length;
    if (size + cost > limit) {
      parts.push(current);
      current = '';
      size = 0;
    }
    current += ch;
    size += cost;
  }
  parts.push(current);
  return parts;
}
