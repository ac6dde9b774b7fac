// Message texts of a chosen encoding and unit count, varied so that no two sends look alike.

/** GSM-7 basic characters only: one septet each. */
const GSM_WORDS = ['Your', 'code', 'is', 'ready', 'order', 'shipped', 'today', 'thanks', 'see', 'you', 'at', 'the', 'desk', 'reply', 'STOP', 'to', 'end'];
/** Outside GSM-7, so the whole text goes as UCS-2; each is one UTF-16 unit. */
const UCS2_WORDS = ['Привет', 'заказ', 'готов', 'спасибо', 'Ваш', 'код', 'до', 'встречи', 'ΑΒΓ'];

/** Lengths that land exactly on the wanted unit count: one unit up to 160/70, else 153/67 a part. */
export function textLengthFor(encoding: 'gsm' | 'ucs2', units: number): { min: number; max: number } {
  const [single, part] = encoding === 'gsm' ? [160, 153] : [70, 67];
  if (units === 1) return { min: 1, max: single };
  return { min: part * (units - 1) + 1, max: part * units };
}

/** A text of `encoding` costing exactly `units`, its length picked by `random` within the range. */
export function makeText(encoding: 'gsm' | 'ucs2', units: number, random: () => number, tag: string): string {
  const { min, max } = textLengthFor(encoding, units);
  const low = Math.max(min, Math.min(max, units === 1 ? 20 : min));
  const length = low + Math.floor(random() * (max - low + 1));
  const words = encoding === 'gsm' ? GSM_WORDS : UCS2_WORDS;
  let text = `${tag} `;
  while (text.length < length) text += `${words[Math.floor(random() * words.length)]} `;
  // UCS-2 texts must keep a non-GSM character after trimming.
  text = text.slice(0, length);
  if (encoding === 'ucs2' && !/[^\x20-\x7e]/.test(text)) text = `Ж${text.slice(1)}`;
  return text.endsWith(' ') ? `${text.slice(0, -1)}.` : text;
}
