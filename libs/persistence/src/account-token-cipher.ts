// Auth tokens sealed with AES-256-GCM: Plivo's V3 callback signature is an HMAC keyed by
// the token itself, which the SHA-256 hash used for authentication cannot give back.
import { z } from '@sluice/config';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * `ACCOUNT_TOKEN_KEY`: 32 random bytes in base64 (`openssl rand -base64 32`). The account
 * CLI seals new tokens with it; callback-service opens them to sign callbacks. Optional:
 * without it tokens are not sealed and callbacks go unsigned.
 */
export const accountTokenKeyEnv = z.object({
  ACCOUNT_TOKEN_KEY: z
    .string()
    .refine(
      (value) => /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === KEY_BYTES,
      'must be 32 bytes in base64 (e.g. the output of "openssl rand -base64 32")',
    )
    .transform((value) => Buffer.from(value, 'base64'))
    .optional(),
});

export class AccountTokenCipherError extends Error {
  override readonly name = 'AccountTokenCipherError';
}

/**
 * `v1:` + base64(iv ‖ tag ‖ ciphertext). The auth id is the additional authenticated
 * data, so a sealed token copied to another account's row does not open.
 */
export function sealAuthToken(authToken: string, authId: string, key: Buffer): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(authId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(authToken, 'utf8'), cipher.final()]);
  return `${FORMAT}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')}`;
}

/** The token, or an AccountTokenCipherError when the key or the auth id is not the one it was sealed with. */
export function openAuthToken(sealed: string, authId: string, key: Buffer): string {
  assertKey(key);
  const [format, payload] = sealed.split(':', 2);
  if (format !== FORMAT || !payload) throw new AccountTokenCipherError(`unknown sealed token format "${format ?? ''}"`);
  const raw = Buffer.from(payload, 'base64');
  if (raw.length <= IV_BYTES + TAG_BYTES) throw new AccountTokenCipherError('sealed token is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(authId, 'utf8'));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new AccountTokenCipherError('sealed token does not open with this ACCOUNT_TOKEN_KEY');
  }
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new AccountTokenCipherError(`ACCOUNT_TOKEN_KEY must be ${KEY_BYTES} bytes, got ${key.length}`);
}
