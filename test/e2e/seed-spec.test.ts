import type { HubConnection } from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, M } from '../support/api.js';
import { requireRedisUrl } from '../support/redis.js';
import { seedConnection, until } from '../support/seed-clients.js';

interface Message {
  id: string;
  content: string;
  senderId: string;
  status: string;
  createdAt: string | Date;
}
const ref = <T>(value: T) => ({ value });

/**
 * Seed 002's Vue composable `useMessaging`, its `on`/`invoke` calls verbatim, over a connection to `/hubs/chat` (the
 * seed's `useSignalR` is not shown; ours only builds the connection with the base URL and token factory).
 */
describe('seed 002 (spec) clients, unchanged', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  const run = `${process.pid}-${Date.now()}`;
  const open: HubConnection[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      redisUrl: await requireRedisUrl(),
      quiet: true,
    });
    api = apiClient(stack.baseUrl);
  });
  afterAll(async () => {
    for (const c of open) await c.stop().catch(() => undefined);
    await stack?.stop();
  });

  async function useSignalR(token: string) {
    const { connection, log } = seedConnection(`${stack.baseUrl}/hubs/chat`, () => token, [
      'ReceiveMessage',
      'ConversationUpdated',
      'MessagesRead',
      'UserTyping',
      'ReactionAdded',
      'IncomingCall',
    ]);
    await connection.start();
    open.push(connection);
    return { connection, log };
  }

  /** useMessaging.ts from the seed, minus Vue (ref() is a plain box). */
  function useMessaging(
    connection: HubConnection,
    conversationId: { value: string },
    currentUser: { value: { id: string } },
  ) {
    const messages = ref<Message[]>([]);
    const typingUsers = ref<Set<string>>(new Set());
    const reads: { userId: string; lastReadMessageId: string }[] = [];
    const failed: string[] = [];
    let n = 0;
    const generateTempId = () => `tmp-${currentUser.value.id}-${++n}`;

    // Message handlers
    connection.on('ReceiveMessage', (data: { message: Message; tempId: string }) => {
      messages.value.push(data.message);
      // Update temp message with real ID
    });

    connection.on('MessagesRead', (data: { userId: string; lastReadMessageId: string }) => {
      reads.push(data);
    });

    connection.on('UserTyping', (data: { userId: string; isTyping: boolean }) => {
      if (data.isTyping) {
        typingUsers.value.add(data.userId);
      } else {
        typingUsers.value.delete(data.userId);
      }
    });

    // Send message
    const sendMessage = async (content: string, attachments?: File[]) => {
      const tempId = generateTempId();
      try {
        await connection.invoke('SendMessage', {
          conversationId: conversationId.value,
          content,
          tempId,
          attachments,
        });
      } catch (error) {
        // Handle error, update message status
        failed.push(tempId);
        throw error;
      }
      return tempId;
    };

    return { messages, typingUsers, reads, sendMessage };
  }

  it('when two users use the seed useMessaging composable, then send, receive, typing, read, reactions and calls work without joining', async () => {
    const person = async (name: string) => {
      const id = `${name}-${run}`;
      return { id, token: await api.token(id) };
    };
    const [alice, bob] = [await person('s-alice'), await person('s-bob')];
    const created = await api.call('POST', `${M}/conversations`, {
      token: alice.token,
      body: { type: 'direct', participants: [bob.id] },
    });
    const conversationId = ref(created.body.conversationId as string);
    const a = await useSignalR(alice.token);
    const b = await useSignalR(bob.token);
    const am = useMessaging(a.connection, conversationId, ref({ id: alice.id }));
    const bm = useMessaging(b.connection, conversationId, ref({ id: bob.id }));

    const tempId = await am.sendMessage('hello from the composable');
    const received = await until('ReceiveMessage at bob', () => bm.messages.value[0]);
    expect(received).toMatchObject({
      id: `${conversationId.value}.1`,
      content: 'hello from the composable',
      senderId: alice.id,
      status: 'sent',
    });
    const envelope = b.log.find((e) => e.target === 'ReceiveMessage');
    expect(envelope?.args).toEqual([{ message: received, tempId }]);
    const updated = await until('ConversationUpdated', () => b.log.find((e) => e.target === 'ConversationUpdated'));
    expect(updated.args).toEqual([
      { conversationId: conversationId.value, lastMessage: received, lastMessageAt: received.createdAt },
    ]);
    await until('the sender’s own ReceiveMessage (tempId correlation)', () => am.messages.value[0]);

    await a.connection.invoke('StartTyping', conversationId.value);
    await until('bob sees alice typing', () => bm.typingUsers.value.has(alice.id));
    await a.connection.invoke('StopTyping', conversationId.value);
    await until('bob sees alice stop', () => !bm.typingUsers.value.has(alice.id));
    expect(
      a.log.filter((e) => e.target === 'UserTyping'),
      'OthersInGroup: not to the typer',
    ).toEqual([]);

    await b.connection.invoke('MarkAsRead', conversationId.value, received.id);
    expect(await until('MessagesRead at alice', () => am.reads[0])).toEqual({
      conversationId: conversationId.value,
      userId: bob.id,
      lastReadMessageId: received.id,
    });

    await b.connection.invoke('AddReaction', received.id, '👍');
    const reaction = await until('ReactionAdded', () => a.log.find((e) => e.target === 'ReactionAdded'));
    expect(reaction.args).toEqual([{ messageId: received.id, userId: bob.id, reaction: '👍' }]);

    const call = await a.connection.invoke('InitiateCall', conversationId.value, 'video');
    const ring = await until('IncomingCall', () => b.log.find((e) => e.target === 'IncomingCall'));
    expect(ring.args).toEqual([
      { callId: call.callId, conversationId: conversationId.value, callerId: alice.id, callType: 'video' },
    ]);

    // the same tempId twice is one message (idempotent send)
    await a.connection.invoke('SendMessage', { conversationId: conversationId.value, content: 'once', tempId: 'same' });
    await a.connection.invoke('SendMessage', { conversationId: conversationId.value, content: 'once', tempId: 'same' });
    const list = await api.call('GET', `${M}/conversations/${conversationId.value}/messages`, { token: bob.token });
    expect(list.body.messages.map((m: { content: string }) => m.content)).toEqual([
      'hello from the composable',
      'once',
    ]);
  });
});
