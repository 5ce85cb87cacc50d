import { isIP } from 'node:net';
import { Redis } from 'ioredis';

export interface RedisClientOptions {
  /** Connection errors (ioredis keeps reconnecting); without it ioredis prints them to the console. */
  onError?: (error: Error) => void;
  /** Entra ID auth (Azure Managed Redis): the identity's object id and a token; see entra-auth.ts. */
  username?: string;
  password?: string;
}

/**
 * One command client per process (no subscriber is needed in Functions). TLS when the URL is `rediss://` (e.g.
 * Azure Managed Redis on port 10000), with SNI for host names.
 *
 * Fails fast rather than hanging a request: a command waits at most through 2 reconnect attempts
 * (`maxRetriesPerRequest`) or `commandTimeout`; commands issued while (re)connecting are queued
 * (`enableOfflineQueue`). After a failover the old primary answers READONLY: reconnect and resend.
 */
export function createRedisClient(url: string, opts: RedisClientOptions = {}): Redis {
  const client = new Redis(url, {
    lazyConnect: false,
    connectTimeout: 5_000,
    commandTimeout: 5_000,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    ...(url.startsWith('rediss://') && { tls: sni(url) }),
    ...(opts.username !== undefined && { username: opts.username }),
    ...(opts.password !== undefined && { password: opts.password }),
  });
  if (opts.onError) client.on('error', opts.onError);
  return client;
}

/** SNI for a host name (not for an IP address, which TLS forbids as a server name). */
function sni(url: string): { servername?: string } {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return isIP(host) === 0 ? { servername: host } : {};
}
