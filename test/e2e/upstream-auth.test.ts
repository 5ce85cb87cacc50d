import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionSignature } from '../../local/signalr-emulator/upstream.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';

// Identity mode: SignalR's upstream carries an Entra ID token of its managed identity; the hub runtime checks it
// (signature by the tenant's JWKS, issuer, audience, principal). Here a local key pair and JWKS server stand in.

const ISSUER = 'https://sts.example/tenant/';
const AUDIENCE = 'api://chat-backend';
const SIGNALR_OID = '11111111-2222-3333-4444-555555555555';

describe('upstream calls in identity mode', () => {
  let stack: LocalStack;
  let jwksServer: Server;
  let sign: (
    claims: Record<string, unknown>,
    opts?: { audience?: string; issuer?: string; other?: boolean },
  ) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', () => r()));
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/keys`;
    sign = (claims, opts = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(opts.issuer ?? ISSUER)
        .setAudience(opts.audience ?? AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(opts.other ? other.privateKey : privateKey);
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      quiet: true,
      env: {
        SIGNALR_UPSTREAM_AUDIENCE: AUDIENCE,
        SIGNALR_UPSTREAM_ISSUER: `${ISSUER}, https://login.example/tenant/v2.0`,
        SIGNALR_UPSTREAM_JWKS_URI: jwksUri,
        SIGNALR_UPSTREAM_PRINCIPAL_ID: SIGNALR_OID,
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise<void>((r) => jwksServer?.close(() => r()));
  });

  const accessKey = () => /AccessKey=([^;]+)/.exec(process.env.AzureSignalRConnectionString as string)?.[1] as string;

  /** An upstream call as the service makes it; the signature is valid, so only the token decides. */
  const upstream = (category: string, event: string, authorization?: string) =>
    fetch(`${stack.baseUrl}/runtime/webhooks/signalr`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-asrs-hub': 'messaging',
        'x-asrs-category': category,
        'x-asrs-event': event,
        'x-asrs-connection-id': 'conn-x',
        'x-asrs-user-id': 'mallory',
        'x-asrs-signature': connectionSignature(accessKey(), 'conn-x'),
        ...(authorization !== undefined && { authorization }),
      },
      body: JSON.stringify(
        category === 'connections' ? { type: 10 } : { type: 1, invocationId: '7', target: event, arguments: [] },
      ),
    });
  const pingError = async (authorization?: string): Promise<string | undefined> => {
    const res = await upstream('messages', 'Ping', authorization);
    expect(res.status).toBe(200);
    const completion = JSON.parse((await res.text()).replace(String.fromCharCode(0x1e), '')) as {
      result?: unknown;
      error?: string;
    };
    return completion.error;
  };

  it('when the token is missing, forged, for another audience or issuer, or of another principal, then the call is refused', async () => {
    expect(await pingError()).toMatch(/no bearer token \(UPSTREAM\.UNAUTHENTICATED\)/);
    expect(await pingError(`Bearer ${await sign({ oid: SIGNALR_OID }, { other: true })}`)).toMatch(
      /UPSTREAM\.UNAUTHENTICATED/,
    );
    expect(await pingError(`Bearer ${await sign({ oid: SIGNALR_OID }, { audience: 'api://other' })}`)).toMatch(/aud/);
    expect(await pingError(`Bearer ${await sign({ oid: SIGNALR_OID }, { issuer: 'https://evil/' })}`)).toMatch(/iss/);
    expect(await pingError(`Bearer ${await sign({ oid: 'someone-else' })}`)).toMatch(/another principal/);
    expect((await upstream('connections', 'connected')).status).toBe(403);
  });

  it('when SignalR’s identity sends a valid token, then the call runs', async () => {
    const token = await sign({ oid: SIGNALR_OID });
    expect(await pingError(`Bearer ${token}`)).toBeUndefined();
    expect((await upstream('connections', 'connected', `Bearer ${token}`)).status).toBe(200);
  });
});
