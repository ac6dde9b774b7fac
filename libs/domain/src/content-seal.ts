// Crypto-shredding of message content that `log` forbids keeping: the content travels sealed
// (Kafka, the Redis schedule) and its key lives only on the message row until the message
// leaves the queue, when the key is erased and every sealed copy becomes unreadable.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** What is sealed: the text and the MMS media URLs (both are content). */
export interface SealedContent {
  readonly text: string;
  readonly mediaUrls: readonly string[];
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Format version, so a later scheme can be told apart. */
const VERSION = 'v1';

/** A new 32-byte key per message and the sealed content as `v1.<base64 iv|tag|ciphertext>`. */
export function sealContent(content: SealedContent): { key: Buffer; sealed: string } {
  const key = randomBytes(32);
  return { key, sealed: sealContentWith(key, content) };
}

/**
 * Seals more of one message's content under the key it already has (a fresh iv each time),
 * so erasing that one key makes every copy unreadable.
 */
export function sealContentWith(key: Buffer, content: SealedContent): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify({ t: content.text, m: content.mediaUrls }), 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

/** The content, or null when the key does not open it (wrong key, tampered or unknown format). */
export function openContent(sealed: string, key: Buffer): SealedContent | null {
  const [version, encoded] = sealed.split('.', 2);
  if (version !== VERSION || !encoded || key.length !== 32) return null;
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const json = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    const parsed = JSON.parse(json) as { t: string; m: string[] };
    return { text: parsed.t, mediaUrls: parsed.m };
  } catch {
    return null;
  }
}
