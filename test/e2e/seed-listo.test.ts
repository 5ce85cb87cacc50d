import type * as signalR from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { signSignalRToken } from '../../shared/adapters/signalr/access-tokens.js';
import { parseSignalRConnectionString } from '../../shared/adapters/signalr/connection-string.js';
import { apiClient, M } from '../support/api.js';
import { requireRedisUrl } from '../support/redis.js';
import { seedConnection, until } from '../support/seed-clients.js';

type MessageDto = Record<string, unknown>;

/**
 * Seed 000's JavaScript client ("Client Integration Examples"), its `on`/`invoke` calls verbatim; only the base URL
 * and the token factory are ours. Against the local stack: emulator, hub functions, Redis.
 */
describe('seed 000 (listo) clients, unchanged', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  const run = `${process.pid}-${Date.now()}`;
  const open: signalR.HubConnection[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      redisUrl: await requireRedisUrl(),
      quiet: true,
      // why: the seed's UserOffline handler is the subject here, so it is announced at once, without the offline grace
      env: { PRESENCE_OFFLINE_GRACE_SECONDS: '0' },
    });
    api = apiClient(stack.baseUrl);
  });
  afterAll(async () => {
    for (const c of open) await c.stop().catch(() => undefined);
    await stack?.stop();
  });

  /** The seed's MessagingHub snippet: builder, handlers, start. */
  async function messagingClient(getAccessToken: () => string) {
    const seen = {
      messages: [] as MessageDto[],
      typing: [] as [string, string, boolean][],
      read: [] as [string, string, string, string][],
      status: [] as [string, string][],
    };
    const displayMessage = (message: MessageDto) => seen.messages.push(message);
    const updateTypingIndicator = (conversationId: string, userId: string, isTyping: boolean) =>
      seen.typing.push([conversationId, userId, isTyping]);
    const markMessageAsRead = (conversationId: string, messageId: string, userId: string, readAt: string) =>
      seen.read.push([conversationId, messageId, userId, readAt]);
    const updateUserStatus = (userId: string, status: string) => seen.status.push([userId, status]);

    // Connect to MessagingHub
    const { connection, log: all } = seedConnection(
      `${stack.baseUrl}/hubs/messaging`,
      () => getAccessToken(),
      ['OnMessageReceived', 'OnTypingIndicator', 'OnMessageRead', 'UserOnline', 'UserOffline'],
      [0, 1000, 5000, 10000, 30000],
    );

    // Register client methods
    connection.on('OnMessageReceived', (message: MessageDto) => {
      displayMessage(message);
    });
    connection.on('OnTypingIndicator', (conversationId, userId, isTyping) => {
      updateTypingIndicator(conversationId, userId, isTyping);
    });
    connection.on('OnMessageRead', (conversationId, messageId, userId, readAt) => {
      markMessageAsRead(conversationId, messageId, userId, readAt);
    });
    connection.on('UserOnline', (userId) => {
      updateUserStatus(userId, 'online');
    });
    connection.on('UserOffline', (userId) => {
      updateUserStatus(userId, 'offline');
    });

    // Start connection
    await connection.start();
    open.push(connection);
    return { connection, seen, all };
  }

  const person = async (name: string) => {
    const id = `${name}-${run}`;
    return { id, token: await api.token(id) };
  };

  it('when two users use the seed MessagingHub client, then join, send, typing, read, ping, presence and reconnect work with positional arguments', async () => {
    const [alice, bob] = [await person('l-alice'), await person('l-bob')];
    const created = await api.call('POST', `${M}/conversations`, {
      token: alice.token,
      body: { type: 'direct', participants: [bob.id] },
    });
    const conversationId = created.body.conversationId as string;

    const b = await messagingClient(() => bob.token);
    const a = await messagingClient(() => alice.token);
    await until('UserOnline(alice) at bob', () => b.seen.status.find(([u, s]) => u === alice.id && s === 'online'));
    expect(b.all.find((e) => e.target === 'UserOnline')?.args).toEqual([alice.id]);

    // Join conversation
    await a.connection.invoke('JoinConversation', conversationId);
    await b.connection.invoke('JoinConversation', conversationId);

    // Send message
    const messageBody = 'hello from the seed client';
    const attachments = undefined;
    await a.connection.invoke('SendMessage', conversationId, messageBody, attachments);
    const got = await until('OnMessageReceived at bob', () => b.seen.messages[0]);
    expect(got).toEqual({
      messageId: `${conversationId}.1`,
      conversationId,
      senderUserId: alice.id,
      body: messageBody,
      attachments: [],
      status: 'sent',
      sentAt: expect.any(String),
      readAt: null,
      seq: 1,
      // an addition to the seed's MessageDto (the content pipeline's markdown rendering); its client ignores it
      formattedContent: '<p>hello from the seed client</p>',
    });
    expect(b.all.find((e) => e.target === 'OnMessageReceived')?.args).toHaveLength(1);
    await until('OnMessageReceived at the sender (Clients.Group)', () => a.seen.messages[0]);

    const files = ['https://cdn.example.com/files/receipt.pdf'];
    await a.connection.invoke('SendMessage', conversationId, 'with a file', files);
    expect(await until('2nd message', () => b.seen.messages[1])).toMatchObject({ attachments: files, seq: 2 });

    // Typing indicators: the others see them, the typing connection does not (OthersInGroup)
    await a.connection.invoke('StartTyping', conversationId);
    expect(await until('typing on', () => b.seen.typing.find((t) => t[2]))).toEqual([conversationId, alice.id, true]);
    await a.connection.invoke('StopTyping', conversationId);
    expect(await until('typing off', () => b.seen.typing.find((t) => !t[2]))).toEqual([
      conversationId,
      alice.id,
      false,
    ]);

    // Mark as read
    const messageId = got.messageId as string;
    await b.connection.invoke('MarkAsRead', conversationId, messageId);
    const [rc, rm, ru, readAt] = await until('OnMessageRead at alice', () => a.seen.read[0]);
    expect([rc, rm, ru]).toEqual([conversationId, messageId, bob.id]);
    expect(Number.isNaN(Date.parse(readAt))).toBe(false);

    expect(await a.connection.invoke('Ping')).toBe('pong');
    await new Promise((r) => setTimeout(r, 200));
    expect(a.seen.typing, 'the typing connection does not get its own indicator').toEqual([]);
    // why: a direct conversation is small, so it is delivered to each participant by user id; a user send cannot
    // leave out one connection, and read marks go to all of the reader's devices (they keep each other in step).
    // In conversations delivered through their group, the reader's connection is excluded (test/contracts/dialects).
    expect(b.seen.read, 'the reader’s devices get the same receipt').toEqual([[rc, rm, ru, readAt]]);

    // Reconnect: the service drops bob; the seed's automatic reconnect comes back and rejoins
    const rejoined = new Promise<void>((resolve) =>
      b.connection.onreconnected(() => {
        void b.connection.invoke('JoinConversation', conversationId).then(() => resolve());
      }),
    );
    const path = `/api/hubs/listo_messaging/connections/${b.connection.connectionId}`;
    const conn = parseSignalRConnectionString(process.env.AzureSignalRConnectionString as string);
    const token = await signSignalRToken({
      accessKey: conn.accessKey as string,
      audience: `${conn.audienceBase}${path.slice(1)}`,
      ttlSeconds: 60,
    });
    const dropped = await fetch(`${stack.signalrEndpoint}${path}?api-version=2022-06-01`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(dropped.ok).toBe(true);
    await rejoined;
    await a.connection.invoke('SendMessage', conversationId, 'after the reconnect', null);
    expect(await until('message after reconnect', () => b.seen.messages.find((m) => m.seq === 3))).toMatchObject({
      body: 'after the reconnect',
    });

    await a.connection.stop();
    await until('UserOffline(alice) at bob', () => b.seen.status.find(([u, s]) => u === alice.id && s === 'offline'));
  });

  it('when the seed NotificationHub client connects, then it gets the unread batch, live notifications, channels and other sessions’ acks', async () => {
    const carol = await person('l-carol');
    const service = await api.call('POST', 'dev/token', {
      body: { userId: `svc-${run}`, roles: ['Notifications.Send'] },
    });
    const notify = (body: Record<string, unknown>) =>
      api.call('POST', 'v1/notifications', { token: service.body.token, body });
    const first = await notify({ userIds: [carol.id], title: 'waiting for you' });
    expect(first.status).toBe(202);

    const connect = async () => {
      const { connection, log } = seedConnection(`${stack.baseUrl}/hubs/notifications`, () => carol.token, [
        'ReceiveNotification',
        'NotificationAcknowledged',
        'NotificationRead',
        'ReceiveNotificationBatch',
      ]);
      await connection.start();
      open.push(connection);
      return { connection, log };
    };
    const s1 = await connect();
    const batch = await until('ReceiveNotificationBatch', () =>
      s1.log.find((e) => e.target === 'ReceiveNotificationBatch'),
    );
    expect(batch.args).toHaveLength(1);
    expect(batch.args[0]).toEqual([
      expect.objectContaining({
        notificationId: first.body.notificationIds[0],
        title: 'waiting for you',
        readAt: null,
      }),
    ]);
    const s2 = await connect();

    await notify({ userIds: [carol.id], title: 'live' });
    const live = await until('ReceiveNotification', () => s2.log.find((e) => e.target === 'ReceiveNotification'));
    const id = (live.args[0] as { notificationId: string }).notificationId;

    await s1.connection.invoke('AcknowledgeNotification', id);
    expect((await until('ack', () => s2.log.find((e) => e.target === 'NotificationAcknowledged'))).args).toEqual([id]);
    await s1.connection.invoke('MarkAsRead', id);
    const read = await until('read', () => s2.log.find((e) => e.target === 'NotificationRead'));
    expect(read.args).toEqual([id, expect.any(String)]);

    await s1.connection.invoke('SubscribeToChannel', 'orders');
    await notify({ channel: 'orders', title: 'order shipped' });
    await until('channel notification', () =>
      s1.log.find(
        (e) => e.target === 'ReceiveNotification' && (e.args[0] as { title: string }).title === 'order shipped',
      ),
    );
    await s1.connection.invoke('UnsubscribeFromChannel', 'orders');
    expect(await s1.connection.invoke('Ping')).toBe('pong');
  });
});
