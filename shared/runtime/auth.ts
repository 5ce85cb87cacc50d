import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { hmacKey } from '../adapters/hmac-keys.js';
import type { Settings } from '../config/settings.js';
import { AppError } from '../domain/errors.js';
import { UserIdSchema } from '../domain/schemas-common.js';

export const DEV_ISSUER = 'chat-backend-dev';
export const DEV_AUDIENCE = 'chat-backend';

/** Who a validated token says the caller is. */
export interface Principal {
  userId: string;
  /** App roles (`roles` claim), e.g. Notifications.Send for back-end services. */
  roles: string[];
}

export interface Authenticator {
  /** The principal proven by a bearer token, or an `unauthorized` AppError that says why not. */
  authenticate(authorization: string | null): Promise<Principal>;
  /** Only in dev mode: a signed token for any user id (and roles). */
  issueDevToken?(userId: string, opts?: { ttlSeconds?: number; roles?: string[] }): Promise<string>;
}

const unauthorized = (detail: string): AppError => new AppError('unauthorized', 'AUTH.INVALID_TOKEN', detail);

export function createAuthenticator(settings: Pick<Settings, 'auth'>): Authenticator {
  const auth = settings.auth;
  const userClaim = auth.userClaim;
  if (auth.mode === 'dev') {
    const secret = hmacKey(auth.secret);
    return {
      authenticate: (h) =>
        verify(h, () => secret, { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, algorithms: ['HS256'] }, userClaim),
      issueDevToken: async (userId, opts = {}) =>
        new SignJWT(opts.roles && opts.roles.length > 0 ? { roles: opts.roles } : {})
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setSubject(userId)
          .setIssuer(DEV_ISSUER)
          .setAudience(DEV_AUDIENCE)
          .setIssuedAt()
          .setExpirationTime(`${opts.ttlSeconds ?? 24 * 3600}s`)
          .sign(await secret),
    };
  }
  const jwks = createRemoteJWKSet(new URL(auth.jwksUri), {
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
  });
  return {
    authenticate: (h) =>
      verify(
        h,
        jwks,
        {
          issuer: auth.issuer,
          audience: auth.audience,
          algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384'],
        },
        userClaim,
      ),
  };
}

async function verify(
  header: string | null,
  key: JWTVerifyGetKey,
  options: { issuer: string; audience: string; algorithms: string[] },
  userClaim: string,
): Promise<Principal> {
  if (header === null || header.trim() === '')
    throw unauthorized('missing Authorization header; send "Authorization: Bearer <token>"');
  const match = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)\s*$/i.exec(header);
  if (!match?.[1]) throw unauthorized('Authorization must be "Bearer <JWT>"');
  let payload: JWTPayload;
  try {
    const opts = { ...options, clockTolerance: 30 };
    ({ payload } = await jwtVerify(match[1], key, opts));
  } catch (e) {
    throw unauthorized(`token rejected: ${describeJoseError(e)}`);
  }
  const userId = UserIdSchema.safeParse(payload[userClaim]);
  if (!userId.success) throw unauthorized(`token has no usable "${userClaim}" claim`);
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
  return { userId: userId.data, roles };
}

function describeJoseError(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return e instanceof Error ? e.message : 'claim check failed';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm not allowed';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'signed by an unknown key';
    default:
      return e instanceof Error ? e.message : 'invalid token';
  }
}
