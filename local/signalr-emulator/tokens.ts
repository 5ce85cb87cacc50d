/** HS256 access tokens as Azure SignalR Service mints and checks them (key = UTF-8 bytes of the AccessKey). */
import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { type HmacAlgorithm, hmacKey } from '../../shared/adapters/hmac-keys.js';

/** Claim the Management SDK / Functions binding use for the user id. */
export const USER_ID_CLAIM = 'asrs.s.uid';
const SYSTEM_CLAIM_PREFIX = 'asrs.s.';
/** Prefix the SDK puts on user claims that collide with registered JWT claims (stripped again by the service). */
const USER_CLAIM_PREFIX = 'asrs.u.';
const RESERVED_CLAIMS = new Set(['aud', 'exp', 'iat', 'nbf', 'iss', 'actort', 'acr', 'azp', 'c_hash', 'jti', 'nonce']);
/** Registered claims that say nothing about the user; left out of `X-ASRS-User-Claims`. */
const NON_USER_CLAIMS = new Set(['aud', 'exp', 'iat', 'nbf']);
/** why: small tolerance for clock skew between the token minter and this process; both are local. */
const CLOCK_TOLERANCE_SECONDS = 5;
const MAX_TOKEN_LENGTH = 16 * 1024;

export type ClaimValue = string | number | boolean | readonly string[];

export interface SignAccessTokenInput {
  audience: string;
  userId?: string;
  ttlSeconds: number;
  key: string;
  claims?: Readonly<Record<string, ClaimValue>>;
}

/** Mints a client or REST token like the service SDK (`asrs.s.uid` for the user, `asrs.u.` for colliding claims). */
export async function signAccessToken(input: SignAccessTokenInput): Promise<string> {
  const payload: JWTPayload = {};
  for (const [type, value] of Object.entries(input.claims ?? {})) {
    payload[RESERVED_CLAIMS.has(type) ? `${USER_CLAIM_PREFIX}${type}` : type] = value;
  }
  if (input.userId !== undefined) payload[USER_ID_CLAIM] = input.userId;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(input.audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + input.ttlSeconds)
    .sign(await hmacKey(input.key));
}

/** The header's HMAC algorithm; anything else gets an HS256 key, which jose then refuses for that algorithm. */
const hmacAlgorithm = (alg: string | undefined): HmacAlgorithm => (alg === 'HS384' || alg === 'HS512' ? alg : 'HS256');

export type VerifyResult = { ok: true; claims: JWTPayload } | { ok: false; reason: string };

/**
 * Tokens whose signature was already checked, with their claims: the functions' REST pushes reuse one token per
 * path for minutes and a client shows the same token to negotiate and to connect, so each is verified once.
 * Expiry, not-before and audience are still checked on every use; only signature work is saved.
 */
const verified = new Map<string, { key: string; claims: JWTPayload }>();
const MAX_VERIFIED = 20_000;

/**
 * Checks signature (HS256/384/512), `exp` (required) and `nbf`, then lets `audienceOk` judge the audience.
 * Unlike Microsoft's emulator an expired token is refused, as the real service does.
 */
export async function verifyAccessToken(
  token: string,
  key: string,
  audienceOk: (aud: string) => boolean,
): Promise<VerifyResult> {
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'Access token is too long' };
  const known = verified.get(token);
  if (known !== undefined && known.key === key && stillValid(known.claims))
    return audienceChecked(known.claims, audienceOk);
  verified.delete(token);
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, (header) => hmacKey(key, hmacAlgorithm(header.alg)), {
      algorithms: ['HS256', 'HS384', 'HS512'],
      requiredClaims: ['exp', 'aud'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (err) {
    return { ok: false, reason: describeJwtError(err) };
  }
  if (verified.size >= MAX_VERIFIED) verified.clear();
  verified.set(token, { key, claims });
  return audienceChecked(claims, audienceOk);
}

/** `exp` and `nbf` with the same tolerance jwtVerify applies (a cached token expires like a fresh one). */
function stillValid(claims: JWTPayload): boolean {
  const now = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp + CLOCK_TOLERANCE_SECONDS <= now) return false;
  return typeof claims.nbf !== 'number' || claims.nbf - CLOCK_TOLERANCE_SECONDS <= now;
}

function audienceChecked(claims: JWTPayload, audienceOk: (aud: string) => boolean): VerifyResult {
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? ''];
  if (!auds.some(audienceOk))
    return { ok: false, reason: `Access token audience ${JSON.stringify(claims.aud)} is not valid for this request` };
  return { ok: true, claims };
}

function describeJwtError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'Access token has expired';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'Access token signature is invalid';
  if (err instanceof errors.JWTClaimValidationFailed)
    return `Access token claim ${err.claim} is invalid: ${err.message}`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'Access token algorithm is not allowed (HS256 expected)';
  if (err instanceof errors.JOSEError) return `Access token is invalid: ${err.message}`;
  return 'Access token is invalid';
}

/** `asrs.s.uid`, else `nameid`, else `sub` (what the service and .NET's NameIdentifier mapping use). */
export function userIdFromClaims(claims: JWTPayload): string | undefined {
  for (const type of [USER_ID_CLAIM, 'nameid', 'sub']) {
    const value = claims[type];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/**
 * Claims as `type: value` items for `X-ASRS-User-Claims`: user claims only (system `asrs.s.*` and
 * aud/exp/iat/nbf left out), `asrs.u.` prefix stripped as the service does, arrays one item per value.
 */
export function userClaimItems(claims: JWTPayload): string[] {
  const items: string[] = [];
  for (const [rawType, value] of Object.entries(claims)) {
    if (rawType.startsWith(SYSTEM_CLAIM_PREFIX) || NON_USER_CLAIMS.has(rawType)) continue;
    const type = rawType.startsWith(USER_CLAIM_PREFIX) ? rawType.slice(USER_CLAIM_PREFIX.length) : rawType;
    const values: unknown[] = Array.isArray(value) ? value : [value];
    for (const v of values) items.push(`${type}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return items;
}

/** Bearer token from `Authorization`, else (browsers' WebSocket/SSE) from the `access_token` query. */
export function tokenFromRequest(
  authorization: string | undefined,
  query: URLSearchParams,
  allowQuery: boolean,
): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (m?.[1] !== undefined) return m[1];
  const q = allowQuery ? query.get('access_token') : null;
  return q !== null && q !== '' ? q : undefined;
}
