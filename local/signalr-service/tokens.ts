import { jwtVerify, type JWTPayload } from 'jose';

/** The service's view of a caller: audience checked leniently (the SDK drops the port; the docs drop the query). */
export async function verifyServiceToken(token: string, accessKey: string, expectedAudience: (aud: string) => boolean): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, new TextEncoder().encode(accessKey), { algorithms: ['HS256', 'HS512'], clockTolerance: 5 });
  const auds = Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud];
  if (!auds.some(expectedAudience)) throw new Error(`audience ${auds.join(', ') || '(none)'} is not this endpoint`);
  return payload;
}

/** scheme://host/path?query → host/path?query without port, trailing slash, for lenient comparison. */
export function normalizeAudience(aud: string): { host: string; path: string; query: URLSearchParams } | null {
  try {
    const u = new URL(aud);
    return { host: u.hostname.toLowerCase(), path: u.pathname.replace(/\/+$/, '').toLowerCase(), query: u.searchParams };
  } catch {
    return null;
  }
}

export function userIdOf(payload: JWTPayload): string | undefined {
  for (const claim of ['asrs.s.uid', 'nameid', 'sub']) {
    const v = payload[claim];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return undefined;
}

export function bearerOf(authorization: string | undefined, query: URLSearchParams): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return m?.[1] ?? query.get('access_token') ?? undefined;
}
