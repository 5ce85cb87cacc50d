import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { signSignalRToken } from '../../shared/adapters/signalr/access-tokens.js';
import { parseSignalRConnectionString } from '../../shared/adapters/signalr/connection-string.js';
import { apiClient, M } from '../support/api.js';
import { connectClient, sleep, type TestClient } from '../support/hub.js';
import { requireRedisUrl } from '../support/redis.js';

/** A data-plane token, as the Functions extension makes for REST calls. */
async function restToken(path: string): Promise<string> {
  const conn = parseSignalRConnectionString(process.env.AzureSignalRConnectionString as string);
  return signSignalRToken({
    accessKey: conn.accessKey as string,
    audience: `${conn.audienceBase}${path.replace(/^\//, '')}`,
    ttlSeconds: 60,
  });
}

/** Real @microsoft/signalr clients → /api/negotiate → the SignalR emulator → hub functions, with Redis for ephemeral state. */
describe('realtime end to end', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  const tokens: Record<string, string> = {};
  const clients: TestClient[] = [];
  let conversationId: string;

  const connect = async (user: string, opts: { reconnect?: boolean } = {}) => {
    const c = await connectClient(stack.baseUrl, tokens[user] as string, opts);
    clients.push(c);
    return c;
  };
  const lastSeq = async () =>
    (await api.call('GET', `${M}/conversations/${conversationId}`, { token: tokens.alice })).body.conversation
      .lastSeq as number;

  beforeAll(async () => {
    const redisUrl = await requireRedisUrl();
    stack = await startLocalStack({ port: 0, signalrPort: 0, store: 'memory', redisUrl, quiet: true });
    api = apiClient(stack.baseUrl);
    for (const u of ['alice', 'bob', 'carol', 'dave']) tokens[u] = await api.token(`${u}-${Date.now()}`);
    // user ids carry a run suffix so presence in a shared Redis starts clean
    const bobId = JSON.parse(Buffer.from((tokens.bob as string).split('.')[1] as string, 'base64url').toString())
      .sub as string;
    const created = await api.call('POST', `${M}/conversations`, {
      token: tokens.alice,
      body: { type: 'direct', participants: [bobId] },
    });
    expect(created.status).toBe(201);
    conversationId = created.body.conversationId;
  });
  afterAll(async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    await stack?.stop();
  });

  const idOf = (user: string): string =>
    JSON.parse(Buffer.from((tokens[user] as string).split('.')[1] as string, 'base64url').toString()).sub as string;

  it('when two users and a second device chat, then every device receives messages in seq order, by hub and by HTTP', async () => {
    const a1 = await connect('alice');
    const a2 = await connect('alice');
    const b1 = await connect('bob');
    expect(await b1.conn.invoke('JoinConversation', conversationId)).toMatchObject({ conversationId });
    expect(await a1.conn.invoke('Ping')).toBe('pong');

    const sent = await a1.conn.invoke('SendMessage', {
      conversationId,
      content: 'hello over the hub',
      clientMessageId: 'hub-1',
    });
    expect(sent).toMatchObject({
      conversationId,
      seq: 1,
      senderId: idOf('alice'),
      tempId: 'hub-1',
      content: 'hello over the hub',
    });
    const onBob = await b1.next('OnMessageReceived', (m) => m.seq === 1);
    expect(onBob).toMatchObject({ id: sent.id, tempId: 'hub-1', conversationId });
    await a2.next('OnMessageReceived', (m) => m.seq === 1); // the sender's other device

    const viaHttp = await api.call('POST', `${M}/conversations/${conversationId}/messages`, {
      token: tokens.bob,
      body: { content: 'hello over http', clientMessageId: 'http-1' },
    });
    expect(viaHttp.status).toBe(201);
    expect(await a1.next('OnMessageReceived', (m) => m.seq === 2)).toMatchObject({
      tempId: 'http-1',
      senderId: idOf('bob'),
    });

    for (let i = 0; i < 10; i++) await a1.conn.invoke('SendMessage', { conversationId, content: `burst ${i}` });
    await b1.next('OnMessageReceived', (m) => m.seq === 12);
    const seqs = b1.events.filter((e) => e.target === 'OnMessageReceived').map((e) => e.payload.seq as number);
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('when a user types, then the other sees typing on and off, and it expires by itself after 10 s', async () => {
    const a1 = await connect('alice');
    const b1 = await connect('bob');
    await a1.conn.invoke('StartTyping', conversationId);
    expect(await b1.next('OnTypingIndicator', (p) => p.isTyping === true && p.userId === idOf('alice'))).toEqual({
      conversationId,
      userId: idOf('alice'),
      isTyping: true,
    });
    await a1.conn.invoke('StopTyping', conversationId);
    expect(await b1.next('OnTypingIndicator', (p) => p.isTyping === false)).toMatchObject({
      conversationId,
      isTyping: false,
    });
    await a1.conn.invoke('StartTyping', conversationId);
    const typing = () => api.call('GET', `${M}/conversations/${conversationId}/typing`, { token: tokens.bob });
    expect((await typing()).body.userIds).toEqual([idOf('alice')]);
    await sleep(10_500);
    expect((await typing()).body.userIds).toEqual([]);
  }, 20_000);

  it('when a message is read and delivered, then the sender sees receipts and the status moves sent → delivered → read', async () => {
    const a1 = await connect('alice');
    const b1 = await connect('bob');
    const m = await a1.conn.invoke('SendMessage', { conversationId, content: 'did you get this?' });
    const status = async () =>
      (await api.call('GET', `${M}/conversations/${conversationId}/messages/${m.id}`, { token: tokens.alice })).body
        .status;
    expect(await status()).toBe('sent');
    await b1.conn.invoke('MarkAsDelivered', conversationId, m.seq);
    expect(await a1.next('OnMessageDelivered', (p) => p.seq === m.seq)).toMatchObject({
      conversationId,
      userId: idOf('bob'),
    });
    expect(await status()).toBe('delivered');
    await b1.conn.invoke('MarkAsRead', conversationId, m.seq);
    const receipt = await a1.next('OnMessageRead', (p) => p.seq === m.seq);
    expect(receipt).toMatchObject({ conversationId, userId: idOf('bob'), seq: m.seq });
    expect(typeof receipt.readAt).toBe('string');
    expect(await status()).toBe('read');
  });

  it('when a user has two connections, then they go offline only when the last one closes', async () => {
    const watcher = await connect('bob');
    const d1 = await connect('alice');
    const d2 = await connect('alice');
    const presence = async () =>
      (await api.call('POST', `${M}/presence/get`, { token: tokens.bob, body: { userIds: [idOf('alice')] } })).body
        .presence[idOf('alice')];
    expect((await presence()).isOnline).toBe(true);
    // close every other alice connection from earlier tests
    for (const c of clients.filter((c) => c !== d1 && c !== d2 && c !== watcher && c.events !== watcher.events))
      await c.stop();
    await d1.stop();
    await sleep(300);
    expect((await presence()).isOnline).toBe(true);
    expect(watcher.events.some((e) => e.target === 'UserOffline' && e.payload.userId === idOf('alice'))).toBe(false);
    await d2.stop();
    const offline = await watcher.next('UserOffline', (p) => p.userId === idOf('alice'));
    expect(typeof offline.lastSeen).toBe('string');
    expect((await presence()).isOnline).toBe(false);
    await connect('alice');
    expect(await watcher.next('UserOnline', (p) => p.userId === idOf('alice'))).toMatchObject({
      userId: idOf('alice'),
    });
  });

  it('when someone outside the conversation joins or a token is forged or expired, then they are refused', async () => {
    const carol = await connect('carol');
    await expect(carol.conn.invoke('JoinConversation', conversationId)).rejects.toThrow(/not found/i);
    await expect(carol.conn.invoke('SendMessage', { conversationId, content: 'let me in' })).rejects.toThrow(
      /not found/i,
    );
    expect(await carol.conn.invoke('Ping')).toBe('pong');

    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('chat-backend-dev')
      .setAudience('chat-backend')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('y'.repeat(40)));
    await expect(connectClient(stack.baseUrl, forged)).rejects.toThrow();
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('chat-backend-dev')
      .setAudience('chat-backend')
      .setIssuedAt(1_600_000_000)
      .setExpirationTime(1_600_000_060)
      .sign(new TextEncoder().encode(process.env.AUTH_DEV_SECRET));
    await expect(connectClient(stack.baseUrl, expired)).rejects.toThrow();
  });

  it('when a user sends more than 60 messages in a minute, then the hub answers a rate-limit error with retry-after', async () => {
    const daveId = idOf('dave');
    const c = await api.call('POST', `${M}/conversations`, {
      token: tokens.dave,
      body: { type: 'direct', participants: [idOf('carol')] },
    });
    const dave = await connect('dave');
    const results = await Promise.allSettled(
      Array.from({ length: 61 }, (_, i) =>
        dave.conn.invoke('SendMessage', { conversationId: c.body.conversationId, content: `spam ${i}` }),
      ),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/rate limit exceeded.*retry after \d+ s/);
    expect(daveId).toBeTruthy();
    expect(await dave.conn.invoke('Ping')).toBe('pong');
  });

  it('when a client drops and reconnects, then it catches up with GET ?after=<seq> with no gap', async () => {
    const a1 = await connect('alice');
    const b1 = await connect('bob', { reconnect: true });
    await b1.conn.invoke('JoinConversation', conversationId);
    const before = await lastSeq();
    const reconnected = new Promise<void>((resolve) => b1.conn.onreconnected(() => resolve()));
    // the service drops bob's connection (as a network failure would)
    const path = `/api/hubs/messaging/connections/${b1.conn.connectionId}`;
    const res = await fetch(`${stack.signalrEndpoint}${path}?api-version=2022-06-01`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await restToken(path)}` },
    });
    expect(res.ok).toBe(true);
    for (let i = 0; i < 5; i++) await a1.conn.invoke('SendMessage', { conversationId, content: `while away ${i}` });
    await reconnected;
    const seen = new Set(b1.events.filter((e) => e.target === 'OnMessageReceived').map((e) => e.payload.seq as number));
    const page = await api.call('GET', `${M}/conversations/${conversationId}/messages?after=${before}&limit=100`, {
      token: tokens.bob,
    });
    const caughtUp = page.body.messages.map((m: any) => m.seq as number);
    expect(caughtUp).toEqual([before + 1, before + 2, before + 3, before + 4, before + 5]);
    expect(page.body.hasMore).toBe(false);
    const union = new Set([...seen, ...caughtUp]);
    for (let s = before + 1; s <= before + 5; s++) expect(union.has(s)).toBe(true);
  });

  it('when hub methods get bad input, then each answers a hub error, nothing is written and the connection stays usable', async () => {
    const a1 = await connect('alice');
    const before = await lastSeq();
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
    expect(await lastSeq()).toBe(before);
  });

  it('when a call is started, then the other participant is rung and sees it answered and ended', async () => {
    const a1 = await connect('alice');
    const b1 = await connect('bob');
    const { callId } = await a1.conn.invoke('InitiateCall', conversationId, 'video');
    expect(await b1.next('IncomingCall', (p) => p.callId === callId)).toMatchObject({
      conversationId,
      callerId: idOf('alice'),
      callType: 'video',
    });
    await b1.conn.invoke('AcceptCall', conversationId, callId);
    expect(await a1.next('CallAccepted', (p) => p.callId === callId)).toMatchObject({ userId: idOf('bob') });
    await a1.conn.invoke('EndCall', conversationId, callId);
    await b1.next('CallEnded', (p) => p.callId === callId);
  });
});
