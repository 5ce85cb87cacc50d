import type { TokenCredential } from '@azure/identity';
import type { Redis } from 'ioredis';

/** Scope of Entra ID tokens for Azure Managed Redis / Azure Cache for Redis data access. */
export const REDIS_SCOPE = 'https://redis.azure.com/.default';
/** Renew this long before the token expires (tokens live about an hour; AUTH must happen before expiry). */
const RENEW_BEFORE_MS = 5 * 60_000;
const RETRY_MS = 30_000;

export interface RedisEntraAuth {
  /** The identity's object id: Redis's user name for Entra ID auth. */
  username: string;
  password: string;
  /** Keeps `client` authenticated: re-AUTHs the live connection and sets the password reconnects use. */
  keepFresh(client: Redis, onError: (e: Error) => void): void;
  stop(): void;
}

function oidOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { oid?: unknown };
  if (typeof payload.oid !== 'string') throw new Error('the Redis token has no oid claim');
  return payload.oid;
}

/** Entra ID credentials for Redis from the managed identity (`REDIS_AUTH=entra`), renewed before they expire. */
export async function redisEntraAuth(credential: TokenCredential): Promise<RedisEntraAuth> {
  const first = await credential.getToken(REDIS_SCOPE);
  if (!first) throw new Error(`no token for ${REDIS_SCOPE}`);
  const username = oidOf(first.token);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const auth: RedisEntraAuth = {
    username,
    password: first.token,
    keepFresh(client, onError) {
      const schedule = (expiresOn: number) => {
        if (stopped) return;
        const wait = Math.max(RETRY_MS, expiresOn - Date.now() - RENEW_BEFORE_MS);
        timer = setTimeout(() => void renew(), wait).unref();
      };
      const renew = async () => {
        try {
          const next = await credential.getToken(REDIS_SCOPE);
          if (!next) throw new Error(`no token for ${REDIS_SCOPE}`);
          auth.password = next.token;
          // why both: AUTH renews the open connection; the option is what ioredis sends after a reconnect
          client.options.password = next.token;
          if (client.status === 'ready') await client.auth(username, next.token);
          schedule(next.expiresOnTimestamp);
        } catch (e) {
          onError(e instanceof Error ? e : new Error(String(e)));
          schedule(Date.now() + RENEW_BEFORE_MS + RETRY_MS);
        }
      };
      schedule(first.expiresOnTimestamp);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
  return auth;
}
