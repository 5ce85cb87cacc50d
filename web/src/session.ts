import { createChatApi, devToken } from './client/http.js';
import { createRealtime } from './client/realtime.js';
import { renewingToken, type TokenProvider } from './client/token.js';
import { type Messaging, useMessaging } from './composables/useMessaging.js';

/** The user id in a bearer token (claim `sub`, or `oid` for Entra ID), read without verifying: the server verifies. */
export function userOfToken(token: string): string {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  const claims = JSON.parse(json) as { sub?: string; oid?: string };
  const user = claims.sub ?? claims.oid;
  if (!user) throw new Error('the token names no user (no sub or oid claim)');
  return user;
}

export interface Credentials {
  /** Dev auth: a user id to get a token for. */
  userId?: string;
  /** Any auth: a bearer token from the identity provider. */
  token?: string;
}

export type Session = Messaging & {
  /** What to sign in with again after a reload (a dev user id fetches a fresh token; a pasted token is kept). */
  credentials: Credentials;
  stop(): Promise<void>;
  reconnect(): Promise<void>;
};

/**
 * The session's token source. Dev sign-in renews its own: a new dev token shortly before the current one expires
 * (and after a 401). A pasted token cannot be renewed; an app with an identity provider passes its own provider
 * here instead (e.g. `renewingToken(() => msal.acquireTokenSilent(req).then((r) => r.accessToken))`).
 */
function tokenOf(baseUrl: string, creds: Credentials): TokenProvider {
  if (creds.token !== undefined) {
    const fixed = creds.token;
    return () => fixed;
  }
  const userId = creds.userId ?? '';
  return renewingToken(() => devToken(baseUrl, userId));
}

/** Signs in, connects the hub, loads the inbox: everything a chat screen needs, wired to one messaging state. */
export async function startSession(baseUrl: string, creds: Credentials): Promise<Session> {
  const token = tokenOf(baseUrl, creds);
  const me = userOfToken(await token());
  const api = createChatApi({ baseUrl, token });
  // why: the connection's callbacks reach the state made with it
  const late: { m?: Messaging } = {};
  const realtime = createRealtime({
    baseUrl,
    token,
    onStatus: (s) => {
      if (late.m) late.m.status.value = s;
    },
    onReconnected: () => void late.m?.resync(),
  });
  const m = useMessaging({ me, api, realtime });
  late.m = m;
  await realtime.start();
  m.status.value = 'connected';
  await m.loadInbox();
  return Object.assign(m, {
    credentials: creds.token !== undefined ? { token: creds.token } : { userId: creds.userId ?? '' },
    stop: () => realtime.stop(),
    /** After the connection was closed for good: connect again and catch up. */
    reconnect: async () => {
      await realtime.start();
      await m.resync();
    },
  });
}
