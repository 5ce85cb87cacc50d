/**
 * Proves that a SignalR upstream call (connect, disconnect, hub method) comes from our SignalR Service before the
 * hub runtime trusts its `X-ASRS-User-Id`.
 *
 * Why here and not only in the extension: with identity-based connections (`AzureSignalRConnectionString__serviceUri`,
 * as deployed) the SignalR extension has no access key and skips the `X-ASRS-Signature` check, so the webhook's
 * system key (`?code=`) would be the only guard. The upstream is therefore configured with managed-identity auth and
 * every call's bearer token is checked here: signature (tenant JWKS), issuer, audience = the app, and the caller =
 * SignalR's identity. With a key, the HMAC signature over the connection id is checked (as the extension does).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { UpstreamAuthSettings } from '../config/settings.js';
import { AppError } from '../domain/errors.js';

export type UpstreamHeaders = Record<string, string | undefined>;

export interface UpstreamVerifier {
  /** Resolves when the call is authentic; otherwise throws an `unauthorized` AppError that says why. */
  verify(headers: UpstreamHeaders, connectionId: string): Promise<void>;
}

const refused = (detail: string): AppError => new AppError('unauthorized', 'UPSTREAM.UNAUTHENTICATED', detail);

/** Header lookup by lower-cased name (the extension hands them over as sent; the local host lower-cases them). */
function header(headers: UpstreamHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted && v !== undefined) return v;
  return undefined;
}

/** `sha256=<hex>` values (comma-separated: primary and secondary key), compared in constant time. */
export function signatureMatches(accessKey: string, connectionId: string, offered: string | undefined): boolean {
  if (!offered) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', accessKey).update(connectionId).digest('hex')}`);
  return offered
    .split(',')
    .map((s) => Buffer.from(s.trim().toLowerCase()))
    .some((o) => o.length === expected.length && timingSafeEqual(o, expected));
}

export function createUpstreamVerifier(settings: UpstreamAuthSettings): UpstreamVerifier {
  if (settings.kind === 'signature') {
    return {
      verify: (headers, connectionId) =>
        signatureMatches(settings.accessKey, connectionId, header(headers, 'x-asrs-signature'))
          ? Promise.resolve()
          : Promise.reject(refused('the upstream signature is missing or wrong')),
    };
  }
  const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(settings.jwksUri), {
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
  });
  return {
    async verify(headers) {
      // why both: the service documents `Authorization: Bearer`; older docs name the header `Authentication`
      const raw = header(headers, 'authorization') ?? header(headers, 'authentication');
      const token = raw?.match(/^Bearer\s+(\S+)$/i)?.[1];
      if (token === undefined) throw refused('the upstream call carries no bearer token');
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: settings.issuers,
          audience: settings.audience,
          algorithms: ['RS256'],
          clockTolerance: 60,
        }));
      } catch (e) {
        throw refused(`the upstream token is not valid: ${e instanceof Error ? e.message : 'unknown reason'}`);
      }
      // why: any principal of the tenant may obtain a token for our audience; only SignalR's identity may call
      if (settings.principalId !== undefined && payload.oid !== settings.principalId)
        throw refused('the upstream token belongs to another principal');
    },
  };
}
