import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** Secrets already imported, per algorithm. Bounded: a handful of keys in practice (app, SignalR, dev auth). */
const imported = new Map<string, Promise<CryptoKey>>();
const MAX_KEYS = 64;

/**
 * The secret as an HMAC CryptoKey, imported once: given raw bytes, jose imports the key again for every sign and
 * verify, which was a tenth of the functions host's time when thousands of clients connected.
 */
export function hmacKey(secret: string, alg: HmacAlgorithm = 'HS256'): Promise<CryptoKey> {
  const id = `${alg}\u0000${secret}`;
  let key = imported.get(id);
  if (key === undefined) {
    key = webcrypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: `SHA-${alg.slice(2)}` },
      false,
      ['sign', 'verify'],
    );
    if (imported.size >= MAX_KEYS) imported.clear();
    imported.set(id, key);
  }
  return key;
}
