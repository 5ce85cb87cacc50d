/**
 * Where the client gets its bearer token. Called before every HTTP call and every hub (re)connect;
 * `{ forceRefresh: true }` after the API refused the token it gave (401), so a revoked or expired one is replaced.
 * A plain `() => token` fits too (a token that is never renewed).
 */
export type TokenProvider = (opts?: { forceRefresh?: boolean }) => string | Promise<string>;

export interface RenewingTokenOptions {
  /** Renew this long before the token's `exp` (default 60 s): a call never leaves with a token about to lapse. */
  marginSeconds?: number;
  /** Milliseconds since the epoch (tests move it). */
  now?: () => number;
}

/** The `exp` claim of a JWT in seconds since the epoch, or null for a token that is not a JWT or has none. */
export function expiryOf(token: string): number | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
  } catch {
    return null;
  }
}

/**
 * A TokenProvider that keeps the token of `fetchToken` (your identity provider: MSAL's acquireTokenSilent, or
 * POST /api/dev/token locally) and asks for a new one when it is within the margin of its `exp`, or when forced.
 * Calls made while a token is being fetched wait for that one fetch; a failed fetch is not kept (the next call
 * tries again). A token without `exp` is kept until forced.
 */
export function renewingToken(fetchToken: () => Promise<string>, opts: RenewingTokenOptions = {}): TokenProvider {
  const marginMs = (opts.marginSeconds ?? 60) * 1000;
  const now = opts.now ?? Date.now;
  let current: { token: string; renewAt: number } | null = null;
  let inFlight: Promise<string> | null = null;

  const fetchNew = (): Promise<string> => {
    inFlight ??= (async () => {
      try {
        const token = await fetchToken();
        const exp = expiryOf(token);
        current = { token, renewAt: exp === null ? Number.POSITIVE_INFINITY : exp * 1000 - marginMs };
        return token;
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  };

  return ({ forceRefresh = false } = {}) => {
    if (inFlight) return inFlight;
    if (!forceRefresh && current && now() < current.renewAt) return current.token;
    return fetchNew();
  };
}
