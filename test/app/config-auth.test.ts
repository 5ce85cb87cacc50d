import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../shared/config/settings.js';
import { AppError } from '../../shared/domain/errors.js';
import { createAuthenticator } from '../../shared/runtime/auth.js';

const base = { AzureSignalRConnectionString: 'Endpoint=http://127.0.0.1;Port=8888;AccessKey=k;Version=1.0;' };

describe('configuration', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadSettings(env);
      return [];
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems;
    }
  };

  it('when settings are missing or malformed, then start-up stops naming each bad setting (never its value)', () => {
    expect(problems({})).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AUTH_MODE: /),
        expect.stringMatching(/^AzureSignalRConnectionString: /),
      ]),
    );
    expect(problems({ ...base, AUTH_MODE: 'dev', AUTH_DEV_SECRET: 'short' })).toEqual([
      'AUTH_DEV_SECRET: must be at least 32 characters',
    ]);
    expect(problems({ ...base, AUTH_MODE: 'dev', AUTH_DEV_SECRET: 'x'.repeat(40), STORE: 'cosmos' })).toEqual([
      expect.stringMatching(/^COSMOS_ENDPOINT: is required when STORE=cosmos/),
    ]);
    expect(
      problems({ ...base, AUTH_MODE: 'jwks', AUTH_JWKS_URI: 'not a url', AUTH_ISSUER: 'i', AUTH_AUDIENCE: 'a' })[0],
    ).toMatch(/^AUTH_JWKS_URI: /);
    expect(
      problems({ ...base, AUTH_MODE: 'dev', AUTH_DEV_SECRET: 'x'.repeat(40), RATE_LIMIT_SEND_PER_MINUTE: 'lots' })[0],
    ).toMatch(/^RATE_LIMIT_SEND_PER_MINUTE: /);
    expect(problems({ ...base, AUTH_MODE: 'dev', AUTH_DEV_SECRET: 'x'.repeat(40) }).join()).not.toContain(
      'x'.repeat(40),
    );
  });

  it('when running on Azure, then dev auth is refused', () => {
    expect(
      problems({
        ...base,
        AUTH_MODE: 'dev',
        AUTH_DEV_SECRET: 'x'.repeat(40),
        WEBSITE_SITE_NAME: 'func-prod',
        CONTENT_KEK_ID: 'https://kv.vault.azure.net/keys/content-kek',
      }),
    ).toEqual([expect.stringMatching(/^AUTH_MODE: dev auth is refused when running on Azure/)]);
  });

  it('when settings are valid, then defaults fill the rest and empty strings count as unset', () => {
    const s = loadSettings({
      ...base,
      AUTH_MODE: 'dev',
      AUTH_DEV_SECRET: 'x'.repeat(40),
      RATE_LIMIT_SEND_PER_MINUTE: '',
      COSMOS_DATABASE: ' ',
    });
    expect(s).toMatchObject({
      store: { kind: 'memory' },
      limits: { sendPerMinute: 60 },
      auth: { mode: 'dev', userClaim: 'sub' },
    });
    const cosmos = loadSettings({
      ...base,
      AUTH_MODE: 'dev',
      AUTH_DEV_SECRET: 'x'.repeat(40),
      STORE: 'cosmos',
      COSMOS_ENDPOINT: 'https://db.example/',
      COSMOS_DATABASE: ' ',
    });
    expect(cosmos.store).toMatchObject({ kind: 'cosmos', database: 'chat', key: undefined });
  });

  it('when settings are grouped, then each group carries exactly what its kind needs', () => {
    const jwks = {
      AUTH_MODE: 'jwks',
      AUTH_JWKS_URI: 'https://login.example/keys',
      AUTH_ISSUER: 'https://login.example/',
      AUTH_AUDIENCE: 'api://chat',
    };
    expect(loadSettings({ ...base, ...jwks }).auth).toEqual({
      mode: 'jwks',
      jwksUri: 'https://login.example/keys',
      issuer: 'https://login.example/',
      audience: 'api://chat',
      userClaim: 'sub',
    });
    expect(loadSettings({ ...base, ...jwks }).signalR).toEqual({
      kind: 'connection-string',
      connectionString: base.AzureSignalRConnectionString,
    });
    const upstream = {
      SIGNALR_UPSTREAM_AUDIENCE: 'api://chat',
      SIGNALR_UPSTREAM_ISSUER: 'https://sts.example/t/, https://login.example/t/v2.0',
      SIGNALR_UPSTREAM_JWKS_URI: 'https://login.example/t/keys',
    };
    const identity = { ...jwks, ...upstream, AzureSignalRConnectionString__serviceUri: 'https://sigr.example' };
    expect(loadSettings(identity).signalR).toEqual({ kind: 'identity', serviceUri: 'https://sigr.example' });
    expect(loadSettings(identity).upstreamAuth).toEqual({
      kind: 'token',
      jwksUri: 'https://login.example/t/keys',
      issuers: ['https://sts.example/t/', 'https://login.example/t/v2.0'],
      audience: 'api://chat',
      principalId: undefined,
    });
    // why: with identity the extension checks no upstream signature, so the app must check tokens
    expect(problems({ ...jwks, AzureSignalRConnectionString__serviceUri: 'https://sigr.example' })).toEqual([
      'SIGNALR_UPSTREAM_AUDIENCE: is required when SignalR uses a managed identity (no AccessKey)',
    ]);
    expect(problems({ ...base, ...jwks, CORS_ALLOWED_ORIGINS: 'https://app.example, *' })).toEqual([
      'CORS_ALLOWED_ORIGINS: "*" is not an origin (scheme://host[:port], no path, no "*")',
    ]);
    expect(
      loadSettings({ ...base, ...jwks, CORS_ALLOWED_ORIGINS: 'https://a.example,http://localhost:3000' })
        .corsAllowedOrigins,
    ).toEqual(['https://a.example', 'http://localhost:3000']);
    expect(
      problems({ ...jwks, AUTH_ISSUER: '', AUTH_AUDIENCE: '', AzureSignalRConnectionString: 'AccessKey=k;' }),
    ).toEqual([
      'AzureSignalRConnectionString: has no Endpoint',
      'AUTH_ISSUER: is required when AUTH_MODE=jwks',
      'AUTH_AUDIENCE: is required when AUTH_MODE=jwks',
    ]);
  });
});

describe('production auth against a JWKS', () => {
  let jwksUrl = '';
  let key: CryptoKey;
  let otherKey: CryptoKey;
  const server = createServer();
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    key = pair.privateKey;
    otherKey = other.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server.on('request', (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const auth = () =>
    createAuthenticator(
      loadSettings({
        ...base,
        AUTH_MODE: 'jwks',
        AUTH_JWKS_URI: jwksUrl,
        AUTH_ISSUER: 'https://login.example/',
        AUTH_AUDIENCE: 'api://chat',
        AUTH_USER_CLAIM: 'oid',
      }),
    );
  const token = (
    k: CryptoKey,
    claims: Record<string, unknown> = {},
    opts: { iss?: string; aud?: string; exp?: string | number } = {},
  ) =>
    new SignJWT({ oid: 'user-1', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(opts.iss ?? 'https://login.example/')
      .setAudience(opts.aud ?? 'api://chat')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '10m')
      .sign(k);
  const rejected = async (header: string | null): Promise<string> => {
    try {
      await auth().authenticate(header);
      return 'accepted';
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).kind).toBe('unauthorized');
      return (e as AppError).detail;
    }
  };

  it('when a token is signed by the provider for our audience, then the user id comes from the configured claim', async () => {
    expect(await auth().authenticate(`Bearer ${await token(key, { roles: ['Notifications.Send'] })}`)).toEqual({
      userId: 'user-1',
      roles: ['Notifications.Send'],
    });
    expect('issueDevToken' in auth()).toBe(false);
  });

  it('when the key, issuer, audience, lifetime or algorithm is wrong, then the token is refused with the reason', async () => {
    expect(await rejected(`Bearer ${await token(otherKey)}`)).toMatch(/signature/);
    expect(await rejected(`Bearer ${await token(key, {}, { iss: 'https://evil.example/' })}`)).toMatch(/iss/);
    expect(await rejected(`Bearer ${await token(key, {}, { aud: 'api://other' })}`)).toMatch(/aud/);
    expect(await rejected(`Bearer ${await token(key, {}, { exp: Math.floor(Date.now() / 1000) - 120 })}`)).toMatch(
      /expired/,
    );
    expect(
      await rejected(
        `Bearer ${new UnsecuredJWT({ oid: 'user-1' }).setIssuer('https://login.example/').setAudience('api://chat').encode()}`,
      ),
    ).toMatch(/rejected/);
    const hs = await new SignJWT({ oid: 'user-1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://login.example/')
      .setAudience('api://chat')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(40)));
    expect(await rejected(`Bearer ${hs}`)).toMatch(/rejected/);
    expect(await rejected(`Bearer ${await token(key, { oid: undefined })}`)).toMatch(/"oid"/);
    expect(await rejected(null)).toMatch(/missing/);
  });
});
