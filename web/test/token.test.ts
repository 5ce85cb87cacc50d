import { LogLevel } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { closeConnectionsOf } from '../../test/support/signalr-rest.js';
import { ChatApiError, createChatApi, devToken } from '../src/client/http.js';
import { createRealtime } from '../src/client/realtime.js';
import { expiryOf, renewingToken, type TokenProvider } from '../src/client/token.js';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** A JWT-shaped token with this `exp` (the provider reads claims, it never verifies). */
const jwt = (exp: number | undefined, n: number) =>
  `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'u', n, ...(exp !== undefined && { exp }) })}.sig`;
/** The same token with a signature the server cannot verify: what a revoked signing key leaves a client holding. */
const forged = (token: string) => `${token.split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}`;

describe('renewingToken', () => {
  /** A token source that counts its calls and issues tokens valid for `ttl` seconds of the test's clock. */
  function source(ttl: number | undefined, clock: { now: number }) {
    const s = {
      calls: 0,
      fail: false,
      fetch: async () => {
        s.calls++;
        await Promise.resolve();
        if (s.fail) throw new Error('identity provider unreachable');
        return jwt(ttl === undefined ? undefined : Math.floor(clock.now / 1000) + ttl, s.calls);
      },
    };
    return s;
  }

  it('reads exp from a JWT, and nothing from other tokens', () => {
    expect(expiryOf(jwt(1_900_000_000, 1))).toBe(1_900_000_000);
    expect(expiryOf(jwt(undefined, 1))).toBeNull();
    expect(expiryOf('opaque-token')).toBeNull();
    expect(expiryOf('a.%%%.c')).toBeNull();
  });

  it('keeps the token while it is far from exp, and fetches a new one within the margin', async () => {
    const clock = { now: 1_800_000_000_000 };
    const src = source(3600, clock);
    const token = renewingToken(src.fetch, { marginSeconds: 60, now: () => clock.now });
    const first = await token();
    expect(await token()).toBe(first);
    clock.now += 3500 * 1000; // 100 s left: still outside the margin
    expect(await token()).toBe(first);
    expect(src.calls).toBe(1);
    clock.now += 45 * 1000; // 55 s left: renew
    const second = await token();
    expect(second).not.toBe(first);
    expect(src.calls).toBe(2);
    expect(await token()).toBe(second);
    expect(src.calls).toBe(2);
  });

  it('lets calls made during a fetch share it, and fetches anew when forced', async () => {
    const clock = { now: 1_800_000_000_000 };
    const src = source(3600, clock);
    const token = renewingToken(src.fetch, { now: () => clock.now });
    const all = await Promise.all([token(), token(), token({ forceRefresh: true })]);
    expect(new Set(all).size).toBe(1);
    expect(src.calls).toBe(1);
    const forced = await token({ forceRefresh: true });
    expect(forced).not.toBe(all[0]);
    expect(src.calls).toBe(2);
  });

  it('does not keep a failed fetch: the next call tries again', async () => {
    const clock = { now: 1_800_000_000_000 };
    const src = source(3600, clock);
    const token = renewingToken(src.fetch, { now: () => clock.now });
    src.fail = true;
    await expect(Promise.resolve(token())).rejects.toThrow('identity provider unreachable');
    src.fail = false;
    expect(expiryOf(await token())).toBeGreaterThan(0);
    expect(src.calls).toBe(2);
  });

  it('keeps a token without exp until it is forced', async () => {
    const clock = { now: 1_800_000_000_000 };
    const src = source(undefined, clock);
    const token = renewingToken(src.fetch, { now: () => clock.now });
    const first = await token();
    clock.now += 365 * 86_400_000;
    expect(await token()).toBe(first);
    expect(await token({ forceRefresh: true })).not.toBe(first);
  });
});

/** The typed client with a token provider, against the whole local stack: the real API and @microsoft/signalr. */
describe('the typed client renews its token', () => {
  let stack: LocalStack;
  const stops: (() => Promise<void>)[] = [];
  const run = `${process.pid}${Date.now().toString(36)}`;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, signalrPort: 0, store: 'memory', quiet: true });
  });
  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => undefined);
    await stack?.stop();
  });

  /** A provider that records how it was asked, and gives `first` once before the real dev tokens. */
  function recording(userId: string, first?: string) {
    const asked: boolean[] = [];
    let pending = first;
    const provider: TokenProvider = async (opts) => {
      asked.push(opts?.forceRefresh === true);
      const bad = pending;
      pending = undefined;
      return bad ?? devToken(stack.baseUrl, userId);
    };
    return { asked, provider };
  }

  const until = async (what: () => boolean, label: string, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('an HTTP call refused with 401 is sent once more with a freshly fetched token', async () => {
    const me = `renew-http-${run}`;
    const stale = forged(await devToken(stack.baseUrl, me));
    const { asked, provider } = recording(me, stale);
    const api = createChatApi({ baseUrl: stack.baseUrl, token: provider });
    const inbox = await api.listConversations();
    expect(inbox.conversations).toEqual([]);
    expect(asked).toEqual([false, true]);
    // the renewed token serves the next calls
    const { conversationId } = await api.createConversation({ type: 'direct', participants: [`peer-${run}`] });
    expect(conversationId).toMatch(/^dm_/);
  });

  it('retries only once: a provider that keeps giving a refused token ends in the 401', async () => {
    const me = `renew-never-${run}`;
    const stale = forged(await devToken(stack.baseUrl, me));
    const asked: boolean[] = [];
    const api = createChatApi({
      baseUrl: stack.baseUrl,
      token: (opts) => {
        asked.push(opts?.forceRefresh === true);
        return stale;
      },
    });
    const error = await api.listConversations().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatApiError);
    expect((error as ChatApiError).status).toBe(401);
    expect(asked).toEqual([false, true]);
  });

  it('the hub connects after a refused negotiate with a forced fresh token, and a reconnect near exp takes a renewed one', async () => {
    const me = `renew-hub-${run}`;
    // start: the first token is refused by negotiate, the provider is then forced to fetch
    const refused = recording(me, forged(await devToken(stack.baseUrl, me)));
    const rt1 = createRealtime({ baseUrl: stack.baseUrl, token: refused.provider, logLevel: LogLevel.None });
    stops.push(() => rt1.stop());
    await rt1.start();
    expect(rt1.connected).toBe(true);
    expect(refused.asked).toEqual([false, true]);
    await rt1.stop();

    // reconnect: the cached token is within the renewal margin by then, so the reconnect fetches a new one
    const clock = { now: Date.now() };
    let fetched = 0;
    const token = renewingToken(
      () => {
        fetched++;
        return devToken(stack.baseUrl, me);
      },
      { marginSeconds: 60, now: () => clock.now },
    );
    const statuses: string[] = [];
    const rt = createRealtime({
      baseUrl: stack.baseUrl,
      token,
      onStatus: (s) => statuses.push(s),
      logLevel: LogLevel.None,
    });
    stops.push(() => rt.stop());
    await rt.start();
    expect(fetched).toBe(1);
    const exp = expiryOf(await token()) ?? 0;
    expect(fetched).toBe(1);
    clock.now = exp * 1000 - 30_000;
    expect(await closeConnectionsOf(stack.signalrEndpoint, me)).toBeLessThan(300);
    await until(() => statuses.includes('reconnecting'), 'the reconnecting status');
    await until(() => statuses.at(-1) === 'connected' && rt.connected, 'the reconnect');
    expect(fetched).toBe(2);
    // the renewed connection works: a hub call answers
    const { conversationId } = await createChatApi({ baseUrl: stack.baseUrl, token }).createConversation({
      type: 'group',
      title: 'renewed',
      participants: [`peer-${run}`],
    });
    expect((await rt.joinConversation(conversationId)).conversationId).toBe(conversationId);
  }, 30_000);
});
