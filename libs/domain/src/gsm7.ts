// The GSM 03.38 default alphabet and its extension table, as SMPP carries them: one septet per octet (unpacked).

/** The 128 characters of the default alphabet, in septet order (0x1B is the escape to the extension table). */
export const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table: the septet after an escape, and the character it stands for. */
export const GSM7_EXTENSION: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

export const GSM7_ESCAPE = 0x1b;

const BASIC_CODES = new Map(Array.from(GSM7_BASIC, (ch, code) => [ch, code] as const));
const EXTENSION_CODES = new Map(Array.from(GSM7_EXTENSION, ([code, ch]) => [ch, code] as const));
const BASIC_CHARS = Array.from(GSM7_BASIC);

/** Whether each character is in the default alphabet or the extension table. */
export function isGsm7Basic(ch: string): boolean {
  return BASIC_CODES.has(ch);
}

export function isGsm7Extension(ch: string): boolean {
  return EXTENSION_CODES.has(ch);
}

/** Septets, one per octet, with each extension character as escape + code; null when a character is outside GSM-7. */
export function encodeGsm7(text: string): Buffer | null {
  const septets: number[] = [];
  for (const ch of text) {
    const basic = BASIC_CODES.get(ch);
    if (basic !== undefined) {
      septets.push(basic);
      continue;
    }
    const extension = EXTENSION_CODES.get(ch);
    if (extension === undefined) return null;
    septets.push(GSM7_ESCAPE, extension);
  }
  return Buffer.from(septets);
}

/**
 * Text of unpacked septets; null when an octet is not a septet (0x80 or above). As 3GPP TS
 * 23.038 asks of a receiver, an escape followed by a code the extension table lacks shows
 * that code's default-alphabet character, and a trailing escape shows nothing.
 */
export function decodeGsm7(septets: Uint8Array): string | null {
  let text = '';
  for (let i = 0; i < septets.length; i += 1) {
    const code = septets[i];
    if (code > 0x7f) return null;
    if (code !== GSM7_ESCAPE) {
      text += BASIC_CHARS[code];
      continue;
    }
    i += 1;
    if (i >= septets.length) break;
    const next = septets[i];
    if (next > 0x7f) return null;
    // An escape after an escape is reserved; it reads as a space.
    text += GSM7_EXTENSION.get(next) ?? (next === GSM7_ESCAPE ? ' ' : BASIC_CHARS[next]);
  }
  return text;
}
