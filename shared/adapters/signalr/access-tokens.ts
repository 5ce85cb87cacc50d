import { SignJWT } from 'jose';
import { hmacKey } from '../hmac-keys.js';

/** A token Azure SignalR Service accepts: HS256 over the UTF-8 bytes of the access key. */
export async function signSignalRToken(opts: {
  accessKey: string;
  audience: string;
  userId?: string;
  ttlSeconds?: number;
  claims?: Record<string, unknown>;
}): Promise<string> {
  const claims: Record<string, unknown> = { ...opts.claims };
  if (opts.userId !== undefined) claims['asrs.s.uid'] = opts.userId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(opts.audience)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${opts.ttlSeconds ?? 3600}s`)
    .sign(await hmacKey(opts.accessKey));
}
