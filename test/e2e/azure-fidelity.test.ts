import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubState, type LiveConnection } from '../../local/signalr-emulator/hub-state.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { signSignalRToken } from '../../shared/adapters/signalr/access-tokens.js';
import { parseSignalRConnectionString } from '../../shared/adapters/signalr/connection-string.js';
import { SMALL_CONVERSATION_MAX } from '../../shared/app/delivery.js';
import { apiClient, M } from '../support/api.js';
import { connectClient, type TestClient } from '../support/hub.js';

// What would break on a real deployment, checked against the local stack (the emulator enforces the service's rules).

const subOf = (token: string): string =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).sub as string;

describe('the emulator keeps only a user’s 100 newest TTL-less group memberships, as the service does', () => {
  it('when a user is put in 150 groups, then the 50 oldest are gone and the newest stay', () => {
    const hub = new HubState();
    const conn: LiveConnection = { connectionId: 'c1', userId: 'u', send: () => undefined, close: () => undefined };
    for (let i = 0; i < 150; i++) hub.addUserToGroup('u', `g${i}`);
    hub.add(conn);
    expect(hub.isUserInGroup('u', 'g0')).toBe(false);
    expect(hub.isUserInGroup('u', 'g49')).toBe(false);
    expect(hub.isUserInGroup('u', 'g50')).toBe(true);
    expect(hub.groupMembers('g149')).toEqual([conn]);
    expect(hub.groupMembers('g0')).toEqual([]);
  });
});

describe('azure fidelity on the local stack', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  const clients: TestClient[] = [];
  let alice: string;
  let bob: string;
  let big: string;
  let direct: string;

  const restStatus = async (method: string, path: string): Promise<number> => {
    const conn = parseSignalRConnectionString(process.env.AzureSignalRConnectionString as string);
    const token = await signSignalRToken({
      accessKey: conn.accessKey as string,
      audience: `${conn.audienceBase}${path.replace(/^\//, '')}`,
      ttlSeconds: 60,
    });
    const res = await fetch(`${stack.signalrEndpoint}${path}?api-version=2022-06-01`, {
      method,
      headers: { authorization: `Bearer ${token}` },
    });
    return res.status;
  };

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      quiet: true,
      // why: one user joins 150 conversations here
      env: { RATE_LIMIT_CONVERSATIONS_PER_MINUTE: '1000' },
    });
    api = apiClient(stack.baseUrl);
    const run = Date.now().toString(36);
    alice = await api.token(`alice-${run}`);
    bob = await api.token(`bob-${run}`);
    // the oldest two: a big group (group sends) and a direct conversation (per-user sends), then 148 newer ones
    const fillers = Array.from({ length: SMALL_CONVERSATION_MAX }, (_, i) => `filler-${run}-${i}`);
    const g = await api.call('POST', `${M}/conversations`, {
      token: alice,
      body: { type: 'group', title: 'big', participants: [subOf(bob), ...fillers] },
    });
    expect(g.status).toBe(201);
    big = g.body.conversationId;
    const d = await api.call('POST', `${M}/conversations`, {
      token: alice,
      body: { type: 'direct', participants: [subOf(bob)] },
    });
    expect(d.status).toBe(201);
    direct = d.body.conversationId;
    for (let i = 0; i < 148; i += 8) {
      const batch = Array.from({ length: Math.min(8, 148 - i) }, (_, j) =>
        api.call('POST', `${M}/conversations`, {
          token: alice,
          body: { type: 'direct', participants: [`peer-${run}-${i + j}`] },
        }),
      );
      for (const r of await Promise.all(batch)) expect(r.status).toBe(201);
    }
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    await stack?.stop();
  });

  it('when a user in 150 conversations reconnects, then events of the oldest ones still reach them', async () => {
    // the service rule is in play: alice's user→group membership of the oldest conversation was evicted
    const user = encodeURIComponent(subOf(alice));
    expect(
      await restStatus('HEAD', `/api/hubs/messaging/users/${user}/groups/${encodeURIComponent(`conversation:${big}`)}`),
    ).toBe(404);

    const first = await connectClient(stack.baseUrl, alice);
    await first.stop();
    const a = await connectClient(stack.baseUrl, alice);
    const b = await connectClient(stack.baseUrl, bob);
    clients.push(a, b);
    for (const conversationId of [big, direct]) {
      const sent = await b.conn.invoke('SendMessage', { conversationId, content: `to the oldest ${conversationId}` });
      expect((await a.next('OnMessageReceived', (m) => m.id === sent.id)).conversationId).toBe(conversationId);
      await b.conn.invoke('StartTyping', conversationId);
      await a.next('OnTypingIndicator', (t) => t.conversationId === conversationId && t.isTyping === true);
    }
    // each event reaches each of alice's connections once
    expect(a.events.filter((e) => e.target === 'OnMessageReceived')).toHaveLength(2);
  });

  it('when a hub method fails, then the client gets the documented text behind the host prefix, with no stack or path', async () => {
    const a = await connectClient(stack.baseUrl, alice);
    clients.push(a);
    const error = await a.conn.invoke('SendMessage', { conversationId: 'c_nope', content: 'x' }).then(
      () => new Error('resolved'),
      (e: Error) => e,
    );
    expect(error.message).toBe('Result: Failure\nException: Conversation not found (CONVERSATION.NOT_FOUND)\nStack: ');
    const bad = await a.conn.invoke('MarkAsRead', 'c_nope').then(
      () => new Error('resolved'),
      (e: Error) => e,
    );
    expect(bad.message).toMatch(
      /^Result: Failure\nException: MarkAsRead: invalid arguments: .* \(HUB\.INVALID_ARGUMENTS\)\nStack: $/s,
    );
    expect(bad.message).not.toMatch(/\bat |\.js|\.ts|\/work\//);
  });

  it('when an upstream call has no valid signature, then the webhook refuses it and the runtime would too', async () => {
    const call = (headers: Record<string, string>) =>
      fetch(`${stack.baseUrl}/runtime/webhooks/signalr`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-asrs-hub': 'messaging',
          'x-asrs-category': 'messages',
          'x-asrs-event': 'SendMessage',
          'x-asrs-connection-id': 'forged-connection',
          'x-asrs-user-id': subOf(alice),
          ...headers,
        },
        body: JSON.stringify({
          type: 1,
          invocationId: '1',
          target: 'SendMessage',
          arguments: [{ conversationId: direct, content: 'forged' }],
        }),
      });
    expect((await call({})).status).toBe(401);
    expect((await call({ 'x-asrs-signature': `sha256=${'0'.repeat(64)}` })).status).toBe(401);
    const page = await api.call('GET', `${M}/conversations/${direct}/messages`, { token: alice });
    expect(page.body.messages.some((m: { content: string }) => m.content === 'forged')).toBe(false);
  });

  it('when a browser calls from an allowed or a foreign origin, then only the allowed one gets CORS with credentials', async () => {
    const own = `http://localhost:${new URL(stack.baseUrl).port}`;
    for (const [base, path] of [
      [stack.baseUrl, '/api/negotiate'],
      [stack.signalrEndpoint, '/client/negotiate?hub=messaging'],
    ] as const) {
      const preflight = (origin: string) =>
        fetch(`${base}${path}`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization',
          },
        });
      const ok = await preflight(own);
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(own);
      expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
      const foreign = await preflight('https://evil.example');
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
    }
    const health = await fetch(`${stack.baseUrl}/api/health`, { headers: { origin: 'https://evil.example' } });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });
});
