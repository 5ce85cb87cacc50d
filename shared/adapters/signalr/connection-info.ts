import type { TokenCredential } from '@azure/identity';
import type { ConnectionInfo, ConnectionInfoIssuer } from '../../ports/realtime.js';
import { signSignalRToken } from './access-tokens.js';
import type { SignalRConnection } from './connection-string.js';

const TOKEN_TTL_SECONDS = 3600;

/**
 * Same answer as the `signalRConnectionInfo` input binding. We mint it in code because the binding can only take a
 * user id from a binding expression (a header or query the client controls), not from a bearer token we verified.
 */
export class KeyConnectionInfoIssuer implements ConnectionInfoIssuer {
  constructor(private readonly conn: SignalRConnection & { accessKey: string }) {}

  async issue(hub: string, userId: string): Promise<ConnectionInfo> {
    const h = hub.toLowerCase();
    const accessToken = await signSignalRToken({
      accessKey: this.conn.accessKey,
      audience: `${this.conn.audienceBase}client/?hub=${h}`,
      userId,
      ttlSeconds: TOKEN_TTL_SECONDS,
    });
    return { url: `${this.conn.clientEndpoint}/client/?hub=${h}`, accessToken };
  }
}

/** With managed identity there is no key: the service's REST API mints the client token (needs the SignalR REST API Owner role; pushes need SignalR App Server). */
export class IdentityConnectionInfoIssuer implements ConnectionInfoIssuer {
  constructor(
    private readonly serviceUri: string,
    private readonly credential: TokenCredential,
  ) {}

  async issue(hub: string, userId: string): Promise<ConnectionInfo> {
    const base = this.serviceUri.replace(/\/+$/, '');
    const h = encodeURIComponent(hub.toLowerCase());
    const aad = await this.credential.getToken('https://signalr.azure.com/.default');
    if (!aad) throw new Error('managed identity returned no token for SignalR');
    const query = new URLSearchParams({
      'api-version': '2023-07-01',
      userId,
      minutesToExpire: String(TOKEN_TTL_SECONDS / 60),
    });
    const res = await fetch(`${base}/api/hubs/${h}/:generateToken?${query.toString()}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aad.token}` },
    });
    if (!res.ok) throw new Error(`SignalR generateToken answered ${res.status}`);
    const body = (await res.json()) as { token?: unknown };
    if (typeof body.token !== 'string') throw new Error('SignalR generateToken answered without a token');
    return { url: `${base}/client/?hub=${h}`, accessToken: body.token };
  }
}
