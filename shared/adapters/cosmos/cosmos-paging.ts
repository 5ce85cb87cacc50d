import { createHash } from 'node:crypto';
import { invalid } from '../../domain/errors.js';

/**
 * Our continuation tokens wrap the SDK's: base64url of `{v, f, c}` where `f` fingerprints the query the token belongs
 * to (user and filter) and `c` is the SDK token. A token of another query, a truncated one or garbage is refused with
 * PAGING.BAD_TOKEN instead of being passed on (cosmosdb-server silently restarts from the first page on a token it
 * cannot parse; Cosmos answers 400).
 */
interface TokenBody {
  v: 1;
  f: string;
  c: string;
}

export const fingerprintOf = (query: unknown): string =>
  createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 22);

export const wrapToken = (fingerprint: string, sdkToken: string): string =>
  Buffer.from(JSON.stringify({ v: 1, f: fingerprint, c: sdkToken } satisfies TokenBody)).toString('base64url');

export const badToken = () =>
  invalid('continuationToken is not one this server issued for this query', 'PAGING.BAD_TOKEN');

export function unwrapToken(token: string, fingerprint: string): string {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw badToken();
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badToken();
  }
  if (typeof parsed !== 'object' || parsed === null) throw badToken();
  const body = parsed as Partial<Record<keyof TokenBody, unknown>>;
  if (body.v !== 1 || body.f !== fingerprint || typeof body.c !== 'string' || body.c.length === 0) throw badToken();
  return body.c;
}
