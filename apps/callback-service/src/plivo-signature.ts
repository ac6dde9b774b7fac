// Plivo's V3 request signature (`X-Plivo-Signature-V3`), computed exactly as the SDKs'
// `validateV3Signature(method, uri, nonce, auth_token, signature, params)` recomputes it:
//   GET:  base = scheme://host[:port]path?k1=v1&k2=v2…  (the url's query and the params merged, sorted, not encoded)
//   POST: base = scheme://host[:port]path?[sorted url query.]k1v1k2v2…  (the form params sorted, concatenated)
//   signature = base64(HMAC-SHA256(auth_token, base + "." + nonce))
// The url is split with the same loose URI grammar the Node SDK uses (parseUri 1.2.2), so
// that unusual urls produce the base the validator computes, not merely a correct one.
import { createHmac, createSecretKey, randomFillSync, type KeyObject } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';

export const SIGNATURE_HEADER = 'X-Plivo-Signature-V3';
export const NONCE_HEADER = 'X-Plivo-Signature-V3-Nonce';

export type SignedMethod = 'GET' | 'POST';

/** parseUri 1.2.2 "loose" mode: groups are protocol, authority, userInfo, user, password, host, port, relative, path, directory, file, query. */
const LOOSE_URI =
  /^(?:(?![^:@]+:[^:@/]*@)([^:/?#.]+):)?(?:\/\/)?((?:(([^:@]*)(?::([^:@]*))?)?@)?([^:/?#]*)(?::(\d*))?)(((\/(?:[^?#](?![^?#/]*\.[^?#/.]+(?:[?#]|$)))*\/?)?([^?#/]*))(?:\?([^#]*))?(?:#(.*))?)/;

type ParamMap = Map<string, string[]>;

/** The string Plivo signs for a request to `uri` with `params` (query parameters for GET, form fields for POST). */
export function signatureBase(method: SignedMethod, uri: string, params: Readonly<Record<string, string>>): string {
  const encodedUri = utf8Bytes(uri);
  if (method === 'GET') return getUrl(encodedUri, params, true);
  const hasParams = Object.keys(params).length > 0;
  return postUrl(encodedUri, !hasParams) + sortedConcatenation(params);
}

/** A POST's base before its fields depends on its url alone: each callback url is split once. */
const postUrls = new Map<string, string>();
const MAX_POST_URLS = 10_000;

function postUrl(encodedUri: string, emptyPostParams: boolean): string {
  const key = `${emptyPostParams ? '0' : '1'}${encodedUri}`;
  let base = postUrls.get(key);
  if (base === undefined) {
    if (postUrls.size >= MAX_POST_URLS) postUrls.clear();
    base = getUrl(encodedUri, {}, emptyPostParams);
    postUrls.set(key, base);
  }
  return base;
}

/** The `X-Plivo-Signature-V3` value for a request; `nonce` goes in `X-Plivo-Signature-V3-Nonce`. */
export function plivoV3Signature(
  method: SignedMethod,
  uri: string,
  params: Readonly<Record<string, string>>,
  nonce: string,
  authToken: string,
): string {
  const payload = `${signatureBase(method, uri, params)}.${utf8Bytes(nonce)}`;
  return createHmac('sha256', hmacKey(authToken)).update(payload).digest('base64');
}

/** Each account's key prepared once: a string key is converted again for every signature. */
const hmacKeys = new Map<string, KeyObject>();
const MAX_HMAC_KEYS = 10_000;

function hmacKey(authToken: string): KeyObject {
  let key = hmacKeys.get(authToken);
  if (key === undefined) {
    // The bytes createHmac would key with for the string: the SDK's utf8-encoded token, written as UTF-8.
    key = createSecretKey(Buffer.from(utf8Bytes(authToken), 'utf8'));
    if (hmacKeys.size >= MAX_HMAC_KEYS) hmacKeys.clear();
    hmacKeys.set(authToken, key);
  }
  return key;
}

/** A nonce like Plivo's: 20 random decimal digits, the first not 0. */
export function newNonce(): string {
  let nonce = '';
  while (nonce.length < 20) {
    const byte = randomByte();
    // Bytes of 250 and over are skipped, so that every digit is equally likely.
    if (byte >= 250 || (nonce.length === 0 && byte % 10 === 0)) continue;
    nonce += String(byte % 10);
  }
  return nonce;
}

/** Random bytes drawn from the system's generator a pool at a time: one call for about 180 nonces instead of one each. */
const randomPool = Buffer.alloc(4_096);
let randomUsed = randomPool.length;

function randomByte(): number {
  if (randomUsed === randomPool.length) {
    randomFillSync(randomPool);
    randomUsed = 0;
  }
  const byte = randomPool[randomUsed] ?? 0;
  randomUsed += 1;
  return byte;
}

function getUrl(uri: string, params: Readonly<Record<string, string>>, emptyPostParams: boolean): string {
  const match = LOOSE_URI.exec(uri);
  const protocol = match?.[1] ?? '';
  const host = match?.[6] ?? '';
  const port = match?.[7] ?? '';
  const path = match?.[9] ?? '';
  const query = match?.[12] ?? '';
  let base = `${protocol === '' ? 'http' : protocol}://${port === '' ? host : `${host}:${port}`}`;
  if (base.endsWith('/')) base = base.slice(0, -1);
  if (path !== '') {
    const trimmed = path.trim();
    base += trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  }
  const merged = mergeParams(parseQuery(query), params);
  const sorted = sortedQuery(merged);
  if (sorted.length > 0 || !emptyPostParams) base += `?${sorted}`;
  if (sorted.length > 0 && !emptyPostParams) base += '.';
  return base;
}

function mergeParams(fromQuery: ReturnType<typeof parseQuery>, params: Readonly<Record<string, string>>): ParamMap {
  const merged: ParamMap = new Map();
  for (const key of Object.keys(fromQuery)) {
    const value = fromQuery[key];
    merged.set(key, Array.isArray(value) ? [...value] : [value ?? '']);
  }
  for (const [key, value] of Object.entries(params)) merged.set(key, [...(merged.get(key) ?? []), value]);
  return merged;
}

function sortedQuery(params: ParamMap): string {
  const pairs: string[] = [];
  for (const [key, values] of [...params.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const value of [...values].sort()) pairs.push(`${key}=${value}`);
  }
  return pairs.join('&');
}

/** The keys last seen, and their sorted order: every status callback has the same fields, so they are sorted once. */
let lastKeys: readonly string[] = [];
let lastSorted: readonly string[] = [];

function sortedKeys(params: Readonly<Record<string, string>>): readonly string[] {
  const keys = Object.keys(params);
  const same = keys.length === lastKeys.length && keys.every((key, i) => key === lastKeys[i]);
  if (!same) {
    lastKeys = keys;
    lastSorted = [...keys].sort();
  }
  return lastSorted;
}

function sortedConcatenation(params: Readonly<Record<string, string>>): string {
  let concatenated = '';
  for (const key of sortedKeys(params)) concatenated += `${key}${params[key]}`;
  return concatenated;
}

/** The `utf8` package's encode(): the UTF-8 bytes of `text`, one character per byte, as the SDK applies to uri, nonce and token. */
function utf8Bytes(text: string): string {
  // ASCII is its own UTF-8.
  return BEYOND_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

const BEYOND_ASCII = /[\u0080-\uffff]/;
