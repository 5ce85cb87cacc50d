import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { signSignalRToken } from '../../shared/adapters/signalr/access-tokens.js';
import { parseSignalRConnectionString } from '../../shared/adapters/signalr/connection-string.js';
import { SMALL_CONVERSATION_MAX } from '../../shared/app/delivery.js';
import type * as Ephemeral from '../../shared/ports/ephemeral.js';
import { apiClient, M } from '../support/api.js';
import { connectClient, sleep, type TestClient } from '../support/hub.js';
import { requireRedisUrl } from '../support/redis.js';

const { TYPING_TTL_MS } = vi.hoisted(() => ({ TYPING_TTL_MS: 1_500 }));

// why: the stack runs in this process, so a short typing TTL makes expiry observable without the default 10 s wait;
// the 10 s default itself is pinned where it is applied (test/contract/ephemeral-*.test.ts)
vi.mock('../../shared/ports/ephemeral.js', async (importOriginal) => {
  const real = await importOriginal<typeof Ephemeral>();
  return { ...real, DEFAULT_TTLS: { ...real.DEFAULT_TTLS, typingSeconds: TYPING_TTL_MS / 1000 } };
});

/** A data-plane token, as the Functions extension makes for REST calls. */
async function restToken(path: string): Promise<string> {
  const conn = parseSignalRConnectionString(process.env.AzureSignalRConnectionString as string);
  return signSignalRToken({
    accessKey: conn.accessKey as string,
    audience: `${conn.audienceBase}${path.replace(/^\//, '')}`,
    ttlSeconds: 60,
  });
}

interface Person {
  id: string;
  token: string;
}

/**
 * Real @microsoft/signalr clients → /api/negotiate → the SignalR emulator → hub functions, with Redis for ephemeral
 * state. Every test has its own users and conversations, so each runs alone (`-t`) or in any order.
 */
describe('realtime end to end', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  const clients: TestClient[] = [];
  // why: user ids carry a run suffix so presence in a shared Redis starts clean
  const run = `${process.pid}-${Date.now()}`;
  let n = 0;

  const person = async (name: string): Promise<Person> => {
    const id = `${name}-${run}-${++n}`;
    return { id, token: await api.token(id) };
  };
  const people = <N extends string[]>(...names: N) =>
    Promise.all(names.map(person)) as Promise<{ [K in keyof N]: Person }>;
  const direct = async (from: Person, to: Person): Promise<string> => {
    const created = await api.call('POST', `${M}/conversations`, {
      token: from.token,
      body: { type: 'direct', participants: [to.id] },
    });
    expect(created.status).toBe(201);
    return created.body.conversationId as string;
  };
  const connect = async (who: Person, opts: { reconnect?: boolean } = {}) => {
    const c = await connectClient(stack.baseUrl, who.token, opts);
    clients.push(c);
    return c;
  };
  const lastSeq = async (conversationId: string, who: Person) =>
    (await api.call('GET', `${M}/conversations/${conversationId}`, { token: who.token })).body.conversation
      .lastSeq as number;
  const received = (c: TestClient) =>
    c.events.filter((e) => e.target === 'OnMessageReceived').map((e) => e.payload.seq as number);
  /** A REST call on the emulator, as the Functions extension (or the service itself) would make. */
  const serviceCall = async (method: string, path: string) => {
    const full = `/api/hubs/messaging/${path}`;
    return fetch(`${stack.signalrEndpoint}${full}?api-version=2022-06-01`, {
      method,
      headers: { authorization: `Bearer ${await restToken(full)}` },
    });
  };

  beforeAll(async () => {
    const redisUrl = await requireRedisUrl();
    // why: these tests check the immediate UserOffline (the grace path: test/e2e/presence-grace.test.ts)
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      redisUrl,
      quiet: true,
      env: { PRESENCE_OFFLINE_GRACE_SECONDS: '0' },
    });
    api = apiClient(stack.baseUrl);
  });
  afterAll(async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    await stack?.stop();
  });

  it('when two users and a second device chat, then every device receives messages in seq order, by hub and by HTTP', async () => {
    const [alice, bob] = await people('alice', 'bob');
    const conversationId = await direct(alice, bob);
    const a1 = await connect(alice);
    const a2 = await connect(alice);
    const b1 = await connect(bob);
    expect(await b1.conn.invoke('JoinConversation', conversationId)).toEqual({
      conversationId,
      lastSeq: 0,
      typing: [],
    });
    expect(await a1.conn.invoke('Ping')).toBe('pong');

    const sent = await a1.conn.invoke('SendMessage', {
      conversationId,
      content: 'hello over the hub',
      clientMessageId: 'hub-1',
    });
    expect(sent).toMatchObject({
      conversationId,
      seq: 1,
      senderId: alice.id,
      tempId: 'hub-1',
      content: 'hello over the hub',
    });
    const onBob = await b1.next('OnMessageReceived', (m) => m.seq === 1);
    expect(onBob).toMatchObject({ id: sent.id, tempId: 'hub-1', conversationId });
    expect(await a2.next('OnMessageReceived', (m) => m.seq === 1)).toMatchObject({ id: sent.id }); // the sender's other device

    const viaHttp = await api.call('POST', `${M}/conversations/${conversationId}/messages`, {
      token: bob.token,
      body: { content: 'hello over http', clientMessageId: 'http-1' },
    });
    expect(viaHttp.status).toBe(201);
    expect(await a1.next('OnMessageReceived', (m) => m.seq === 2)).toMatchObject({
      tempId: 'http-1',
      senderId: bob.id,
    });

    for (let i = 0; i < 10; i++) await a1.conn.invoke('SendMessage', { conversationId, content: `burst ${i}` });
    await b1.next('OnMessageReceived', (m) => m.seq === 12);
    // joined explicitly and a participant: still each message once
    expect(received(b1)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('when a user types, then the other sees typing on and off, and it expires by itself after the typing TTL', async () => {
    const [alice, bob] = await people('alice', 'bob');
    const conversationId = await direct(alice, bob);
    const a1 = await connect(alice);
    const b1 = await connect(bob);
    await a1.conn.invoke('StartTyping', conversationId);
    expect(await b1.next('OnTypingIndicator', (p) => p.isTyping === true)).toEqual({
      conversationId,
      userId: alice.id,
      isTyping: true,
    });
    await a1.conn.invoke('StopTyping', conversationId);
    expect(await b1.next('OnTypingIndicator', (p) => p.isTyping === false)).toEqual({
      conversationId,
      userId: alice.id,
      isTyping: false,
    });
    const typing = async () =>
      (await api.call('GET', `${M}/conversations/${conversationId}/typing`, { token: bob.token })).body.userIds;
    expect(await typing()).toEqual([]);
    const started = Date.now();
    await a1.conn.invoke('StartTyping', conversationId);
    expect(await typing()).toEqual([alice.id]);
    expect(Date.now() - started).toBeLessThan(TYPING_TTL_MS); // else the check above proved nothing
    await sleep(started + TYPING_TTL_MS + 150 - Date.now());
    expect(await typing()).toEqual([]);
  });

  it('when a message is read and delivered, then the sender sees receipts and the status moves sent → delivered → read', async () => {
    const [alice, bob] = await people('alice', 'bob');
    const conversationId = await direct(alice, bob);
    const a1 = await connect(alice);
    const b1 = await connect(bob);
    const m = await a1.conn.invoke('SendMessage', { conversationId, content: 'did you get this?' });
    const status = async () =>
      (await api.call('GET', `${M}/conversations/${conversationId}/messages/${m.id}`, { token: alice.token })).body
        .status;
    expect(await status()).toBe('sent');
    expect(await b1.conn.invoke('MarkAsDelivered', conversationId, m.seq)).toEqual({
      conversationId,
      lastDeliveredSeq: m.seq,
    });
    expect(await a1.next('OnMessageDelivered', (p) => p.seq === m.seq)).toMatchObject({
      conversationId,
      userId: bob.id,
    });
    expect(await status()).toBe('delivered');
    await b1.conn.invoke('MarkAsRead', conversationId, m.seq);
    const receipt = await a1.next('OnMessageRead', (p) => p.seq === m.seq);
    expect(receipt).toMatchObject({ conversationId, userId: bob.id, seq: m.seq });
    expect(Number.isNaN(Date.parse(receipt.readAt))).toBe(false);
    expect(await status()).toBe('read');
  });

  it('when a user has two connections, then they go offline only when the last one closes', async () => {
    const [alice, bob] = await people('alice', 'bob');
    await direct(alice, bob); // UserOnline/UserOffline go only to users who share a conversation
    const watcher = await connect(bob);
    const d1 = await connect(alice);
    const d2 = await connect(alice);
    const presence = async () =>
      (await api.call('POST', `${M}/presence/get`, { token: bob.token, body: { userIds: [alice.id] } })).body.presence[
        alice.id
      ];
    expect(await presence()).toMatchObject({ isOnline: true, connections: 2 });
    await d1.stop();
    // why: the count drops once the disconnected function has run, so the check below is not a race
    await expect.poll(async () => (await presence()).connections, { timeout: 5_000 }).toBe(1);
    expect((await presence()).isOnline).toBe(true);
    expect(watcher.events.filter((e) => e.target === 'UserOffline')).toEqual([]);
    await d2.stop();
    const offline = await watcher.next('UserOffline', (p) => p.userId === alice.id);
    expect(Number.isNaN(Date.parse(offline.lastSeen))).toBe(false);
    expect(await presence()).toMatchObject({ isOnline: false, connections: 0, lastSeen: offline.lastSeen });
    await connect(alice);
    expect(await watcher.next('UserOnline', (p) => p.userId === alice.id)).toMatchObject({ userId: alice.id });
  });

  it('when a connection joined a conversation explicitly, then after LeaveConversation it no longer receives its events', async () => {
    const [alice, bob] = await people('alice', 'bob');
    // why: only conversations bigger than SMALL_CONVERSATION_MAX are delivered through the group (smaller ones go to
    // each participant by user id, where joining and leaving change nothing)
    const others = await Promise.all(Array.from({ length: SMALL_CONVERSATION_MAX }, () => person('member')));
    const created = await api.call('POST', `${M}/conversations`, {
      token: alice.token,
      body: { type: 'group', title: 'big', participants: [bob.id, ...others.map((o) => o.id)] },
    });
    expect(created.status).toBe(201);
    const conversationId = created.body.conversationId as string;
    // why: participants also receive through their user's group membership and this connection joined the group on
    // connect; without both, only the explicit join delivers, which is what LeaveConversation undoes
    const dropped = await serviceCall(
      'DELETE',
      `users/${encodeURIComponent(bob.id)}/groups/${encodeURIComponent(`conversation:${conversationId}`)}`,
    );
    expect(dropped.status).toBe(204);
    const b1 = await connect(bob);
    expect(await b1.conn.invoke('LeaveConversation', conversationId)).toEqual({ conversationId });
    const send = async (content: string) => {
      const r = await api.call('POST', `${M}/conversations/${conversationId}/messages`, {
        token: alice.token,
        body: { content },
      });
      expect(r.status).toBe(201);
      // why: the push went out before the send answered, and a hub call answers on the same socket after it
      expect(await b1.conn.invoke('Ping')).toBe('pong');
    };

    await send('before join');
    expect(received(b1)).toEqual([]);
    expect(await b1.conn.invoke('JoinConversation', conversationId)).toMatchObject({ conversationId, lastSeq: 1 });
    await send('while joined');
    expect(received(b1)).toEqual([2]);
    expect(await b1.conn.invoke('LeaveConversation', conversationId)).toEqual({ conversationId });
    await send('after leave');
    expect(received(b1)).toEqual([2]);
  });

  it('when a participant leaves a conversation on one connection, then it still receives its events (membership is per user)', async () => {
    const [alice, bob] = await people('alice', 'bob');
    const conversationId = await direct(alice, bob);
    const a1 = await connect(alice);
    const b1 = await connect(bob);
    await b1.conn.invoke('JoinConversation', conversationId);
    expect(await b1.conn.invoke('LeaveConversation', conversationId)).toEqual({ conversationId });
    const sent = await a1.conn.invoke('SendMessage', { conversationId, content: 'still there?' });
    expect(await b1.next('OnMessageReceived', (m) => m.seq === sent.seq)).toMatchObject({ id: sent.id });
  });

  it('when someone outside the conversation joins or a token is forged or expired, then they are refused', async () => {
    const [alice, bob, carol] = await people('alice', 'bob', 'carol');
    const conversationId = await direct(alice, bob);
    const outsider = await connect(carol);
    await expect(outsider.conn.invoke('JoinConversation', conversationId)).rejects.toThrow(/not found/i);
    await expect(outsider.conn.invoke('SendMessage', { conversationId, content: 'let me in' })).rejects.toThrow(
      /not found/i,
    );
    await expect(outsider.conn.invoke('LeaveConversation', 'x'.repeat(200))).rejects.toThrow(/arguments/);
    expect(await outsider.conn.invoke('Ping')).toBe('pong');
    expect(await lastSeq(conversationId, alice)).toBe(0);

    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(alice.id)
      .setIssuer('chat-backend-dev')
      .setAudience('chat-backend')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('y'.repeat(40)));
    await expect(connectClient(stack.baseUrl, forged)).rejects.toThrow();
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(alice.id)
      .setIssuer('chat-backend-dev')
      .setAudience('chat-backend')
      .setIssuedAt(1_600_000_000)
      .setExpirationTime(1_600_000_060)
      .sign(new TextEncoder().encode(process.env.AUTH_DEV_SECRET));
    await expect(connectClient(stack.baseUrl, expired)).rejects.toThrow();
  });

  it('when a user sends more than 60 messages in a minute, then the hub answers a rate-limit error with retry-after', async () => {
    const [dave, carol] = await people('dave', 'carol');
    const conversationId = await direct(dave, carol);
    const c = await connect(dave);
    // why 80, not 61: the bucket refills one token a second, so a slow machine may earn a few back meanwhile
    const results = await Promise.allSettled(
      Array.from({ length: 80 }, (_, i) => c.conn.invoke('SendMessage', { conversationId, content: `spam ${i}` })),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) expect(String(r.reason)).toMatch(/rate limit exceeded.*retry after \d+ s/);
    const stored = await lastSeq(conversationId, dave);
    expect(stored).toBe(80 - refused.length);
    expect(stored).toBeGreaterThanOrEqual(60);
    expect(await c.conn.invoke('Ping')).toBe('pong');
  });

  it('when a client drops and reconnects, then it catches up with GET ?after=<seq> with no gap', async () => {
    const [alice, bob] = await people('alice', 'bob');
    const conversationId = await direct(alice, bob);
    const a1 = await connect(alice);
    const b1 = await connect(bob, { reconnect: true });
    await b1.conn.invoke('JoinConversation', conversationId);
    await a1.conn.invoke('SendMessage', { conversationId, content: 'before the drop' });
    await b1.next('OnMessageReceived', (m) => m.seq === 1);
    const before = await lastSeq(conversationId, bob);
    const reconnected = new Promise<void>((resolve) => b1.conn.onreconnected(() => resolve()));
    // the service drops bob's connection (as a network failure would)
    const res = await serviceCall('DELETE', `connections/${b1.conn.connectionId}`);
    expect(res.ok).toBe(true);
    for (let i = 0; i < 5; i++) await a1.conn.invoke('SendMessage', { conversationId, content: `while away ${i}` });
    await reconnected;
    const seen = new Set(received(b1));
    const page = await api.call('GET', `${M}/conversations/${conversationId}/messages?after=${before}&limit=100`, {
      token: bob.token,
    });
    const caughtUp = page.body.messages.map((m: any) => m.seq as number);
    expect(caughtUp).toEqual([before + 1, before + 2, before + 3, before + 4, before + 5]);
    expect(page.body.hasMore).toBe(false);
    const union = new Set([...seen, ...caughtUp]);
    for (let s = 1; s <= before + 5; s++) expect(union.has(s)).toBe(true);
  });

  it('when hub methods get bad input, then each answers a hub error, nothing is written and the connection stays usable', async () => {
    const [alice, bob] = await people('alice', 'bob');
    const conversationId = await direct(alice, bob);
    const a1 = await connect(alice);
    const before = await lastSeq(conversationId, alice);
    const bad: [string, unknown[], RegExp][] = [
      ['SendMessage', [], /arguments/],
      ['SendMessage', [conversationId, 'hi'], /arguments/],
      ['SendMessage', [{ conversationId, content: 42 }], /content/],
      ['SendMessage', [{ conversationId, content: 'x'.repeat(4001) }], /4000/],
      ['SendMessage', [{ conversationId, content: 'x', surprise: true }], /surprise/],
      ['SendMessage', [{ content: 'no conversation' }], /conversationId/],
      ['MarkAsRead', [conversationId], /arguments/],
      ['MarkAsRead', [conversationId, 'three'], /arguments/],
      ['MarkAsDelivered', [conversationId, -1], /arguments/],
      ['StartTyping', [42], /arguments/],
      ['StopTyping', [], /arguments/],
      ['JoinConversation', [{}], /arguments/],
      ['LeaveConversation', [conversationId, 'extra'], /arguments/],
      ['InitiateCall', [conversationId, 'hologram'], /arguments/],
      ['Ping', ['unexpected'], /arguments/],
      ['NoSuchMethod', [], /./],
    ];
    for (const [method, args, why] of bad) {
      await expect(a1.conn.invoke(method, ...args), `${method}(${JSON.stringify(args).slice(0, 60)})`).rejects.toThrow(
        why,
      );
    }
    await expect(
      a1.conn.invoke('SendMessage', {
        conversationId,
        content: 'y'.repeat(60_000),
        attachments: [],
        mentions: [],
        extra: 'z'.repeat(60_000),
      }),
    ).rejects.toThrow(/too large|limit/i);
    expect(await a1.conn.invoke('Ping')).toBe('pong');
    expect(await lastSeq(conversationId, alice)).toBe(before);
  });

  it('when a call is started, then the other participant is rung and sees it answered and ended', async () => {
    const [alice, bob] = await people('alice', 'bob');
    const conversationId = await direct(alice, bob);
    const a1 = await connect(alice);
    const b1 = await connect(bob);
    const started = await a1.conn.invoke('InitiateCall', conversationId, 'video');
    expect(started).toEqual({ callId: expect.any(String), conversationId });
    const { callId } = started;
    expect(await b1.next('IncomingCall', (p) => p.callId === callId)).toMatchObject({
      conversationId,
      callerId: alice.id,
      callType: 'video',
    });
    expect(await b1.conn.invoke('AcceptCall', conversationId, callId)).toEqual({ callId });
    expect(await a1.next('CallAccepted', (p) => p.callId === callId)).toMatchObject({ userId: bob.id });
    expect(await a1.conn.invoke('EndCall', conversationId, callId)).toEqual({ callId });
    expect(await b1.next('CallEnded', (p) => p.callId === callId)).toMatchObject({ callId, conversationId });
  });
});
