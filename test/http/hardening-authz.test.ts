import { HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, expectProblem, M } from '../support/api.js';

/** The authorization rows of the hardening issue, as a hostile client sees them from outside. */
describe('hardening (authorization) over the local stack', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let n = 0;
  type User = { id: string; token: string };
  const people = async <const T extends readonly string[]>(...names: T): Promise<{ [K in keyof T]: User }> => {
    const k = ++n;
    const users = await Promise.all(
      names.map(async (name) => ({ id: `${name}-hz${k}`, token: await api.token(`${name}-hz${k}`) })),
    );
    return users as { [K in keyof T]: User };
  };

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      quiet: true,
      env: { RATE_LIMIT_SEND_PER_MINUTE: '2', NOTIFICATION_TOPICS: 'orders,rides' },
    });
    api = apiClient(stack.baseUrl);
  });
  afterAll(async () => stack?.stop());

  it('D1: when a blocked user starts typing, edits an old message or reacts in the direct conversation, then each answers 403 USER.BLOCKED as problem+json', async () => {
    const [alice, bob] = await people('alice', 'bob');
    const c = await api.call('POST', `${M}/conversations`, {
      token: alice.token,
      body: { type: 'direct', participants: [bob.id] },
    });
    const id = c.body.conversationId;
    const old = await api.call('POST', `${M}/conversations/${id}/messages`, {
      token: bob.token,
      body: { content: 'a' },
    });
    expect((await api.call('POST', `${M}/blocks`, { token: alice.token, body: { userId: bob.id } })).status).toBe(201);
    const refused = [
      await api.call('POST', `${M}/typing/start`, { token: bob.token, body: { conversationId: id } }),
      await api.call('PUT', `${M}/conversations/${id}/messages/${old.body.message.id}`, {
        token: bob.token,
        body: { content: 'new text' },
      }),
      await api.call('POST', `${M}/conversations/${id}/messages/${old.body.message.id}/react`, {
        token: bob.token,
        body: { reaction: '👍' },
      }),
    ];
    for (const r of refused) {
      expectProblem(r, 403, /blocks/);
      expect(r.body.code).toBe('USER.BLOCKED');
    }
    const group = await api.call('POST', `${M}/conversations`, {
      token: bob.token,
      body: { type: 'group', title: 'g', participants: [alice.id] },
    });
    expectProblem(group, 403);
    expect(group.body.code).toBe('USER.BLOCKED');
  });

  it('D2: when a stranger subscribes to booking-123 or to booking:{id} of a booking they are not in, then the hub refuses with a clear error; the parties and a topic get in', async () => {
    const [alice, bob, mallory] = await people('alice', 'bob', 'mallory');
    const bookingId = `b${n}`;
    // booking conversations come from the booking system: an event on the booking-events queue makes it
    const sent = await api.call('POST', 'dev/queues/booking-events', {
      body: {
        eventId: `ev-d2-${n}`,
        type: 'created',
        bookingId,
        customerId: alice.id,
        providerId: bob.id,
        occurredAt: '2026-11-22T09:00:00.000Z',
      },
    });
    expect(sent.status).toBe(202);
    for (let i = 0; ; i++) {
      const r = await api.call('GET', `${M}/conversations/bk_${bookingId}`, { token: bob.token });
      if (r.status === 200) break;
      if (i > 300) throw new Error('the booking conversation never appeared');
      await new Promise((res) => setTimeout(res, 50));
    }
    const connect = async (token: string) => {
      const conn = new HubConnectionBuilder()
        .withUrl(`${stack.baseUrl}/api/notifications`, { accessTokenFactory: () => token })
        .configureLogging(LogLevel.None)
        .build();
      await conn.start();
      return conn;
    };
    const [m, b] = await Promise.all([connect(mallory.token), connect(bob.token)]);
    try {
      await expect(m.invoke('SubscribeToChannel', 'booking-123')).rejects.toThrow(
        /unknown channel.*\(CHANNEL\.UNKNOWN\)/,
      );
      await expect(m.invoke('SubscribeToChannel', `booking:${bookingId}`)).rejects.toThrow(/\(CHANNEL\.FORBIDDEN\)/);
      await expect(m.invoke('SubscribeToChannel', `user:${alice.id}`)).rejects.toThrow(/\(CHANNEL\.FORBIDDEN\)/);
      expect(await m.invoke('SubscribeToChannel', 'orders')).toEqual({ channel: 'orders', subscribed: true });
      expect(await b.invoke('SubscribeToChannel', `booking:${bookingId}`)).toMatchObject({ subscribed: true });
      expect(await m.invoke('Ping')).toBe('pong'); // the connection stays usable
    } finally {
      await Promise.all([m.stop(), b.stop()]);
    }
  });

  it('D3: when a stranger asks presence/get for a user, then it reads offline with no last seen, the same as an id nobody uses', async () => {
    const [alice, bob, mallory] = await people('alice', 'bob', 'mallory');
    await api.call('POST', `${M}/conversations`, {
      token: alice.token,
      body: { type: 'direct', participants: [bob.id] },
    });
    await api.call('POST', `${M}/presence/update`, {
      token: alice.token,
      body: { status: 'busy', statusMessage: 'meeting' },
    });
    const r = await api.call('POST', `${M}/presence/get`, {
      token: mallory.token,
      body: { userIds: [alice.id, 'no-such-user'] },
    });
    expect(r.status).toBe(200);
    const hidden = { status: 'offline', statusMessage: null, isOnline: false, lastSeen: null, connections: 0 };
    expect(r.body.presence).toEqual({
      [alice.id]: { userId: alice.id, ...hidden },
      'no-such-user': { userId: 'no-such-user', ...hidden },
    });
    const contact = await api.call('POST', `${M}/presence/get`, { token: bob.token, body: { userIds: [alice.id] } });
    expect(contact.body.presence[alice.id]).toMatchObject({ statusMessage: 'meeting' });
    expect(contact.body.presence[alice.id].lastSeen).not.toBeNull();
  });

  it('D4: when someone tries to take a booking conversation first, then nothing is created and the answer is the plain 404 that reveals nothing', async () => {
    const [squatter, alice, bob] = await people('squatter', 'alice', 'bob');
    const bookingId = `bk-taken-${n}`;
    const body = { type: 'booking', bookingId, participants: [bob.id] };
    const squat = await api.call('POST', `${M}/conversations`, { token: squatter.token, body });
    expectProblem(squat, 404);
    expect(squat.body.code).toBe('CONVERSATION.NOT_FOUND');
    const r = await api.call('POST', `${M}/conversations`, { token: alice.token, body });
    expectProblem(r, 404);
    expect(JSON.stringify(r.body)).not.toMatch(/exist|bk_|squatter/);
    // the same answer as for a conversation id nobody uses
    const none = await api.call('GET', `${M}/conversations/bk_${bookingId}`, { token: alice.token });
    expect({ ...none.body, instance: undefined }).toEqual({ ...r.body, instance: undefined });
  });

  it('D11: when a stored send is retried while rate-limited, then it answers 200 with the stored message, not 429', async () => {
    const [alice, bob] = await people('alice', 'bob');
    const c = await api.call('POST', `${M}/conversations`, {
      token: alice.token,
      body: { type: 'direct', participants: [bob.id] },
    });
    const path = `${M}/conversations/${c.body.conversationId}/messages`;
    const first = await api.call('POST', path, {
      token: alice.token,
      body: { content: 'one', clientMessageId: 'r-1' },
    });
    expect(first.status).toBe(201);
    await api.call('POST', path, { token: alice.token, body: { content: 'two' } });
    expect((await api.call('POST', path, { token: alice.token, body: { content: 'three' } })).status).toBe(429);
    const retry = await api.call('POST', path, {
      token: alice.token,
      body: { content: 'one', clientMessageId: 'r-1' },
    });
    expect(retry.status).toBe(200);
    expect(retry.body.message).toEqual(first.body.message);
  });

  it('D12: when a member reuses another member’s clientMessageId, then their own message is stored (201), not the other’s returned', async () => {
    const [alice, bob] = await people('alice', 'bob');
    const c = await api.call('POST', `${M}/conversations`, {
      token: alice.token,
      body: { type: 'group', title: 'g', participants: [bob.id] },
    });
    const path = `${M}/conversations/${c.body.conversationId}/messages`;
    await api.call('POST', path, { token: alice.token, body: { content: 'alice', clientMessageId: 'shared-id' } });
    const his = await api.call('POST', path, {
      token: bob.token,
      body: { content: 'bob', clientMessageId: 'shared-id' },
    });
    expect(his.status).toBe(201);
    expect(his.body.message).toMatchObject({ senderId: bob.id, content: 'bob', seq: 2 });
  });
});
