import type { TokenCredential } from '@azure/identity';
import type { GroupSender } from '../../ports/realtime.js';
import { signSignalRToken } from './access-tokens.js';
import type { SignalRConnection } from './connection-string.js';
import { keepAliveRequest } from './keep-alive-http.js';
import { TokenCache } from './token-cache.js';

const API_VERSION = '2022-06-01';
const seg = encodeURIComponent;

/**
 * `POST /api/hubs/{hub}/groups/{group}/:send?excluded=…` (one call per group send, whatever the group's size) and
 * `POST /api/hubs/{hub}/users/{user}/:send`, over a keep-alive agent with tokens reused per path.
 */
class RestGroupSender implements GroupSender {
  constructor(
    private readonly endpoint: string,
    private readonly bearer: (pathAndVersion: string) => Promise<string>,
  ) {}

  async sendToUsers(
    hub: string,
    users: readonly string[],
    message: { target: string; arguments: unknown[] },
  ): Promise<void> {
    const body = JSON.stringify(message);
    await Promise.all(
      users.map((user) => this.post(`/api/hubs/${seg(hub.toLowerCase())}/users/${seg(user)}/:send`, '', body)),
    );
  }

  async sendToGroup(
    hub: string,
    group: string,
    message: { target: string; arguments: unknown[] },
    excluded: readonly string[],
  ): Promise<void> {
    const path = `/api/hubs/${seg(hub.toLowerCase())}/groups/${seg(group)}/:send`;
    const extra = excluded.map((id) => `&excluded=${seg(id)}`).join('');
    await this.post(path, extra, JSON.stringify(message));
  }

  async addUsersToGroup(hub: string, users: readonly string[], group: string, ttlSeconds: number): Promise<void> {
    await Promise.all(
      users.map((user) =>
        this.call(
          'PUT',
          `/api/hubs/${seg(hub.toLowerCase())}/users/${seg(user)}/groups/${seg(group)}`,
          `&ttl=${Math.max(0, Math.floor(ttlSeconds))}`,
        ),
      ),
    );
  }

  private post(path: string, extra: string, body: string): Promise<void> {
    return this.call('POST', path, extra, body);
  }

  /** `extra`: query parameters after api-version (not part of the token's audience, as the SDK signs it). */
  private async call(method: string, path: string, extra: string, body?: string): Promise<void> {
    const res = await keepAliveRequest(`${this.endpoint}${path}?api-version=${API_VERSION}${extra}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.bearer(`${path}?api-version=${API_VERSION}`)}`,
        ...(body !== undefined && { 'content-type': 'application/json; charset=utf-8' }),
      },
      body,
      timeoutMs: 30_000,
    });
    if (res.status < 200 || res.status >= 300) throw new Error(`SignalR REST ${method} ${path} answered ${res.status}`);
  }
}

/** Key auth: a short-lived token whose audience is the URL without the extra queries, as the service SDK signs it. */
export const keyGroupSender = (conn: SignalRConnection & { accessKey: string }): GroupSender => {
  const tokens = new TokenCache(300, (audience, ttlSeconds) =>
    signSignalRToken({ accessKey: conn.accessKey, audience, ttlSeconds }),
  );
  return new RestGroupSender(conn.endpoint, (pathAndVersion) =>
    tokens.get(`${conn.audienceBase.replace(/\/$/, '')}${pathAndVersion}`),
  );
};

/** Managed identity (needs the SignalR App Server role, as the output binding does). */
export const identityGroupSender = (serviceUri: string, credential: TokenCredential): GroupSender =>
  new RestGroupSender(serviceUri.replace(/\/+$/, ''), async () => {
    const t = await credential.getToken('https://signalr.azure.com/.default');
    if (!t) throw new Error('managed identity returned no token for SignalR');
    return t.token;
  });
