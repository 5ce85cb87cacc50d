import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation, ConversationType, Membership } from '../../shared/domain/conversation.js';
import type { Message } from '../../shared/domain/message.js';
import { inboxOrder } from '../../shared/domain/ordering.js';
import { messageIdOf, previewOf } from '../../shared/domain/rules.js';
import type { ConversationStore, NewMessage } from '../../shared/ports/store.js';

export interface StoreUnderTest {
  store: ConversationStore;
  cleanup(): Promise<void>;
}

let counter = 0;
/** Fresh ids per test, so the tests of one file can share one store (and one database). */
export const uniq = (prefix: string): string =>
  `${prefix}_${process.pid.toString(36)}${Date.now().toString(36)}_${(counter++).toString(36)}`;

export function conversationOf(id: string, over: Partial<Conversation> = {}): Conversation {
  return {
    id,
    type: 'group',
    title: 'Team',
    description: null,
    imageUrl: null,
    bookingId: null,
    category: null,
    createdBy: 'alice',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    participants: [
      { userId: 'alice', role: 'owner', joinedAt: '2024-01-01T00:00:00.000Z' },
      { userId: 'bob', role: 'member', joinedAt: '2024-01-01T00:00:00.000Z' },
    ],
    lastSeq: 0,
    lastMessage: null,
    lastMessageAt: null,
    retentionDays: null,
    settings: { color: 'blue' },
    ...over,
  };
}

export function membershipOf(userId: string, conversationId: string, over: Partial<Membership> = {}): Membership {
  return {
    userId,
    conversationId,
    conversationType: 'group',
    role: 'member',
    joinedAt: '2024-01-01T00:00:00.000Z',
    lastSeq: 0,
    lastReadSeq: 0,
    lastReadAt: null,
    lastDeliveredSeq: 0,
    lastActivityAt: '2024-01-01T00:00:00.000Z',
    muted: false,
    mutedUntil: null,
    archived: false,
    pinned: false,
    notificationLevel: 'all',
    draft: null,
    ...over,
  };
}

export function newMessage(conversationId: string, over: Partial<NewMessage> = {}): NewMessage {
  return {
    conversationId,
    senderId: 'alice',
    type: 'text',
    content: 'hello',
    clientMessageId: null,
    replyToMessageId: null,
    mentions: [],
    attachments: [],
    location: null,
    reactions: {},
    isEdited: false,
    editedAt: null,
    editHistory: [],
    isDeleted: false,
    deletedAt: null,
    deletedBy: null,
    hiddenFor: [],
    createdAt: '2024-02-01T00:00:00.000Z',
    ...over,
  };
}

/** A call that may throw synchronously (the memory store does for a bad token) as a promise, so `rejects` sees it. */
export const asPromise = <T>(call: () => Promise<T>): Promise<T> => Promise.resolve().then(call);

const at = (day: number, hour = 0): string => new Date(Date.UTC(2024, 0, day, hour)).toISOString();
const seqsOf = (messages: Message[]): number[] => messages.map((m) => m.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The ConversationStore contract: every adapter must pass exactly these assertions. */
export function runStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`ConversationStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: ConversationStore;

    beforeAll(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.cleanup();
    });

    async function freshConversation(
      over: Partial<Conversation> = {},
      memberships: (id: string) => Membership[] = () => [],
    ): Promise<string> {
      const id = uniq('c');
      const { created } = await store.createConversation(conversationOf(id, over), memberships(id));
      expect(created).toBe(true);
      return id;
    }

    async function appendMany(
      conversationId: string,
      count: number,
      over: (i: number) => Partial<NewMessage> = () => ({}),
    ): Promise<Message[]> {
      const out: Message[] = [];
      for (let i = 1; i <= count; i++)
        out.push(
          (await store.appendMessage(newMessage(conversationId, { content: `message ${i}`, ...over(i) }))).message,
        );
      return out;
    }

    describe('conversations', () => {
      it('when a conversation is created, then it reads back equal and its memberships exist', async () => {
        const id = uniq('c');
        const conversation = conversationOf(id);
        const result = await store.createConversation(conversation, [
          membershipOf('alice', id, { role: 'owner' }),
          membershipOf('bob', id),
        ]);
        expect(result).toEqual({ conversation, created: true });
        expect(await store.getConversation(id)).toEqual(conversation);
        expect(await store.getMembership('alice', id)).toEqual(membershipOf('alice', id, { role: 'owner' }));
        expect(await store.getMembership('bob', id)).toEqual(membershipOf('bob', id));
      });

      it('when the same id is created twice, then the second call returns the first document with created=false and writes nothing', async () => {
        const id = uniq('c');
        const first = conversationOf(id, { title: 'first' });
        await store.createConversation(first, [membershipOf('alice', id)]);
        const second = await store.createConversation(conversationOf(id, { title: 'second' }), [
          membershipOf('carol', id),
        ]);
        expect(second).toEqual({ conversation: first, created: false });
        expect((await store.getConversation(id))?.title).toBe('first');
        expect(await store.getMembership('carol', id)).toBeNull();
      });

      it('when an unknown conversation is read, then the result is null', async () => {
        expect(await store.getConversation(uniq('missing'))).toBeNull();
      });

      it('when updateConversation changes fields and tries to rewrite lastSeq and the last message, then only the fields change', async () => {
        const id = await freshConversation();
        await appendMany(id, 2);
        const before = await store.getConversation(id);
        const updated = await store.updateConversation(id, (c) => ({
          ...c,
          title: 'Renamed',
          settings: { color: 'red' },
          lastSeq: 99,
          lastMessage: null,
          lastMessageAt: '2000-01-01T00:00:00.000Z',
        }));
        expect(updated.title).toBe('Renamed');
        expect(updated.settings).toEqual({ color: 'red' });
        expect(updated.lastSeq).toBe(2);
        expect(updated.lastMessage).toEqual(before?.lastMessage);
        expect(updated.lastMessageAt).toBe(before?.lastMessageAt);
        expect(await store.getConversation(id)).toEqual(updated);
      });

      it('when the mutation returns null or changes only its argument, then the stored conversation stays as it was', async () => {
        const id = await freshConversation();
        const before = await store.getConversation(id);
        const result = await store.updateConversation(id, (c) => {
          c.title = 'changed in place';
          return null;
        });
        expect(result).toEqual(before);
        expect(await store.getConversation(id)).toEqual(before);
      });

      it('when an unknown conversation is updated, then it fails with not_found', async () => {
        await expect(store.updateConversation(uniq('missing'), (c) => c)).rejects.toMatchObject({
          kind: 'not_found',
          code: 'CONVERSATION.NOT_FOUND',
        });
      });

      it('when 20 updates run at once, then none is lost', async () => {
        const id = await freshConversation();
        await Promise.all(
          range(1, 20).map((i) =>
            store.updateConversation(id, (c) => ({
              ...c,
              participants: [...c.participants, { userId: `u${i}`, role: 'member', joinedAt: at(2) }],
            })),
          ),
        );
        const after = await store.getConversation(id);
        expect(after?.participants.map((p) => p.userId).sort()).toEqual(
          ['alice', 'bob', ...range(1, 20).map((i) => `u${i}`)].sort(),
        );
      });

      it('when a returned conversation is changed by the caller, then the stored one is not', async () => {
        const id = await freshConversation();
        const read = await store.getConversation(id);
        read!.participants.push({ userId: 'mallory', role: 'owner', joinedAt: at(1) });
        read!.settings.color = 'black';
        expect((await store.getConversation(id))?.participants).toHaveLength(2);
        expect((await store.getConversation(id))?.settings).toEqual({ color: 'blue' });
      });
    });

    describe('messages', () => {
      it('when messages are appended, then they get seq 1..N, ids from the seq, and the conversation shows the last one', async () => {
        const id = await freshConversation();
        const messages = await appendMany(id, 5, (i) => ({ createdAt: at(2, i) }));
        expect(seqsOf(messages)).toEqual([1, 2, 3, 4, 5]);
        expect(messages.map((m) => m.id)).toEqual(range(1, 5).map((s) => messageIdOf(id, s)));
        expect(messages[4]).toMatchObject({
          conversationId: id,
          content: 'message 5',
          senderId: 'alice',
          createdAt: at(2, 5),
        });
        const conversation = await store.getConversation(id);
        expect(conversation?.lastSeq).toBe(5);
        expect(conversation?.lastMessageAt).toBe(at(2, 5));
        expect(conversation?.lastMessage).toEqual({
          id: messageIdOf(id, 5),
          seq: 5,
          senderId: 'alice',
          type: 'text',
          preview: 'message 5',
          createdAt: at(2, 5),
        });
      });

      it('when a message is appended to an unknown conversation, then it fails with not_found and stores nothing', async () => {
        const id = uniq('missing');
        await expect(store.appendMessage(newMessage(id, { clientMessageId: 'x' }))).rejects.toMatchObject({
          kind: 'not_found',
        });
        expect(await store.listMessages(id, { limit: 10 })).toEqual([]);
      });

      it('when a clientMessageId is sent again, then the first message comes back with created=false and nothing is written', async () => {
        const id = await freshConversation();
        const first = await store.appendMessage(newMessage(id, { clientMessageId: 'tmp-1', content: 'original' }));
        await store.appendMessage(newMessage(id, { content: 'other' }));
        const again = await store.appendMessage(
          newMessage(id, { clientMessageId: 'tmp-1', content: 'retry with other text', createdAt: at(9) }),
        );
        expect(first.created).toBe(true);
        expect(again).toEqual({ message: first.message, created: false });
        const all = await store.listMessages(id, { limit: 10 });
        expect(all.map((m) => m.content)).toEqual(['original', 'other']);
        expect((await store.getConversation(id))?.lastSeq).toBe(2);
        expect((await store.getConversation(id))?.lastMessage?.preview).toBe('other');
      });

      it('when two conversations use the same clientMessageId, then each gets its own message', async () => {
        const a = await freshConversation();
        const b = await freshConversation();
        const ma = await store.appendMessage(newMessage(a, { clientMessageId: 'same' }));
        const mb = await store.appendMessage(newMessage(b, { clientMessageId: 'same' }));
        expect(ma.created && mb.created).toBe(true);
        expect(ma.message.conversationId).toBe(a);
        expect(mb.message.conversationId).toBe(b);
      });

      it('D12: when two senders use the same clientMessageId in one conversation, then each gets their own message and a retry of each finds its own', async () => {
        const id = await freshConversation();
        const mine = await store.appendMessage(newMessage(id, { clientMessageId: 'same', content: 'alice' }));
        const theirs = await store.appendMessage(
          newMessage(id, { clientMessageId: 'same', content: 'bob', senderId: 'bob' }),
        );
        expect([mine.created, theirs.created]).toEqual([true, true]);
        expect(theirs.message.content).toBe('bob');
        const retry = await store.appendMessage(newMessage(id, { clientMessageId: 'same', senderId: 'bob' }));
        expect(retry).toEqual({ message: theirs.message, created: false });
        expect((await store.getConversation(id))?.lastSeq).toBe(2);
      });

      it('D11: when a message is looked up by (conversation, sender, clientMessageId), then only that sender’s message with that id is found', async () => {
        const id = await freshConversation();
        const other = await freshConversation();
        const stored = await store.appendMessage(newMessage(id, { clientMessageId: 'cm-1', content: 'first' }));
        await store.appendMessage(newMessage(id, { content: 'no id' }));
        expect(await store.findByClientMessageId(id, 'alice', 'cm-1')).toEqual(stored.message);
        expect(await store.findByClientMessageId(id, 'bob', 'cm-1')).toBeNull();
        expect(await store.findByClientMessageId(id, 'alice', 'cm-2')).toBeNull();
        expect(await store.findByClientMessageId(other, 'alice', 'cm-1')).toBeNull();
        expect(await store.findByClientMessageId(uniq('missing'), 'alice', 'cm-1')).toBeNull();
      });

      it('D13: when a message changes between a read and an update, then the mutation sees the current version, not the one read before', async () => {
        const id = await freshConversation();
        const { message } = await store.appendMessage(newMessage(id, { content: 'original' }));
        await store.updateMessage(id, message.id, (m) => ({ ...m, isDeleted: true, deletedBy: 'alice' }));
        const seen: boolean[] = [];
        await expect(
          store.updateMessage(id, message.id, (m) => {
            seen.push(m.isDeleted);
            if (m.isDeleted) throw new Error('refused: deleted');
            return { ...m, content: 'edited' };
          }),
        ).rejects.toThrow('refused: deleted');
        expect(seen).toEqual([true]);
        expect((await store.getMessage(id, message.id))?.content).toBe('original');
      });

      it('when 200 sends run at once and 20 clientMessageIds are sent twice, then each id is stored once and seqs are 1..180 without gap or duplicate', async () => {
        const id = await freshConversation();
        const inputs: NewMessage[] = [];
        for (let i = 0; i < 160; i++)
          inputs.push(newMessage(id, { content: `solo ${i}`, clientMessageId: i % 2 === 0 ? `solo-${i}` : null }));
        for (let r = 0; r < 20; r++) {
          inputs.push(newMessage(id, { content: `retried ${r}`, clientMessageId: `retried-${r}` }));
          inputs.push(newMessage(id, { content: `retried ${r} (again)`, clientMessageId: `retried-${r}` }));
        }
        // interleave, so retries of one id are not next to each other
        inputs.sort(
          (x, y) =>
            ((x.content.length * 7919 + x.content.charCodeAt(x.content.length - 1)) % 13) -
            ((y.content.length * 7919 + y.content.charCodeAt(y.content.length - 1)) % 13),
        );

        const started = performance.now();
        const results = await Promise.all(inputs.map((m) => store.appendMessage(m)));
        const elapsed = performance.now() - started;
        console.log(`[${name}] 200 concurrent appends (20 ids twice): ${elapsed.toFixed(0)} ms`);

        expect(results.filter((r) => r.created)).toHaveLength(180);
        const stored = await store.listMessages(id, { afterSeq: 0, limit: 500 });
        expect(seqsOf(stored)).toEqual(range(1, 180));
        expect(new Set(stored.map((m) => m.id)).size).toBe(180);
        for (let r = 0; r < 20; r++) {
          const withId = stored.filter((m) => m.clientMessageId === `retried-${r}`);
          expect(withId).toHaveLength(1);
          const answers = results.filter((x) => x.message.clientMessageId === `retried-${r}`);
          expect(answers).toHaveLength(2);
          expect(answers.map((x) => x.created).sort()).toEqual([false, true]);
          expect(answers[0]!.message).toEqual(withId[0]);
          expect(answers[1]!.message).toEqual(withId[0]);
        }
        for (const r of results.filter((x) => x.created)) expect(stored[r.message.seq - 1]).toEqual(r.message);
        const conversation = await store.getConversation(id);
        expect(conversation?.lastSeq).toBe(180);
        expect(conversation?.lastMessage?.seq).toBe(180);
        expect(conversation?.lastMessage?.id).toBe(messageIdOf(id, 180));
      });

      it('when messages are listed by seq, then after/before/limit select exactly the right window in ascending order', async () => {
        const id = await freshConversation();
        await appendMany(id, 10);
        expect(seqsOf(await store.listMessages(id, { limit: 100 }))).toEqual(range(1, 10));
        expect(seqsOf(await store.listMessages(id, { afterSeq: 3, limit: 4 }))).toEqual([4, 5, 6, 7]);
        expect(seqsOf(await store.listMessages(id, { afterSeq: 8, limit: 10 }))).toEqual([9, 10]);
        expect(seqsOf(await store.listMessages(id, { afterSeq: 10, limit: 10 }))).toEqual([]);
        expect(seqsOf(await store.listMessages(id, { beforeSeq: 8, limit: 3 }))).toEqual([5, 6, 7]);
        expect(seqsOf(await store.listMessages(id, { beforeSeq: 3, limit: 10 }))).toEqual([1, 2]);
        expect(seqsOf(await store.listMessages(id, { beforeSeq: 1, limit: 10 }))).toEqual([]);
        expect(seqsOf(await store.listMessages(id, { beforeSeq: 99, limit: 2 }))).toEqual([9, 10]);
        expect(seqsOf(await store.listMessages(id, { afterSeq: 2, beforeSeq: 6, limit: 10 }))).toEqual([3, 4, 5]);
        expect(seqsOf(await store.listMessages(id, { afterSeq: 2, beforeSeq: 9, limit: 2 }))).toEqual([7, 8]);
        expect(await store.listMessages(uniq('missing'), { limit: 10 })).toEqual([]);
      });

      it('when a message is read by id, then only a message of that conversation is found', async () => {
        const id = await freshConversation();
        const other = await freshConversation();
        const [m] = await appendMany(id, 1);
        expect(await store.getMessage(id, m!.id)).toEqual(m);
        expect(await store.getMessage(id, messageIdOf(id, 2))).toBeNull();
        expect(await store.getMessage(other, m!.id)).toBeNull();
        expect(await store.getMessage(id, id)).toBeNull();
      });

      it('when a forwarded copy is appended, then it keeps isForwarded and forwardedFromId; other messages have neither', async () => {
        const id = await freshConversation();
        const { message: copy } = await store.appendMessage(
          newMessage(id, { isForwarded: true, forwardedFromId: 'c_elsewhere.3' }),
        );
        const { message: plain } = await store.appendMessage(newMessage(id));
        expect(await store.getMessage(id, copy.id)).toMatchObject({
          isForwarded: true,
          forwardedFromId: 'c_elsewhere.3',
        });
        const stored = await store.getMessage(id, plain.id);
        expect(stored).not.toHaveProperty('isForwarded');
        expect(stored).not.toHaveProperty('forwardedFromId');
      });

      it('when a retention ttl is given, then the message keeps it; without one it has none', async () => {
        const id = await freshConversation();
        const kept = await store.appendMessage(newMessage(id, { ttl: 30 * 86_400 }));
        const forever = await store.appendMessage(newMessage(id));
        expect(kept.message.ttl).toBe(30 * 86_400);
        expect((await store.getMessage(id, kept.message.id))?.ttl).toBe(30 * 86_400);
        expect((await store.getMessage(id, forever.message.id))?.ttl).toBeUndefined();
      });

      it('when a message is updated, then the change is stored and the conversation preview follows only for the last message', async () => {
        const id = await freshConversation();
        const [m1, m2] = await appendMany(id, 2);
        const edited = await store.updateMessage(id, m2!.id, (m) => ({
          ...m,
          content: 'edited last',
          isEdited: true,
          editedAt: at(3),
          editHistory: [{ content: m.content, editedAt: at(3) }],
          reactions: { '👍': ['bob'] },
        }));
        expect(edited).toMatchObject({
          id: m2!.id,
          seq: 2,
          content: 'edited last',
          isEdited: true,
          reactions: { '👍': ['bob'] },
        });
        expect(await store.getMessage(id, m2!.id)).toEqual(edited);
        expect((await store.getConversation(id))?.lastMessage?.preview).toBe('edited last');

        await store.updateMessage(id, m1!.id, (m) => ({ ...m, content: 'edited first' }));
        expect((await store.getMessage(id, m1!.id))?.content).toBe('edited first');
        expect((await store.getConversation(id))?.lastMessage?.preview).toBe('edited last');

        const deleted = await store.updateMessage(id, m2!.id, (m) => ({
          ...m,
          isDeleted: true,
          deletedAt: at(4),
          deletedBy: 'alice',
        }));
        expect((await store.getConversation(id))?.lastMessage?.preview).toBe(previewOf(deleted));
      });

      it('when an update returns null, changes id or seq, or names no message, then nothing is written and the right error is raised', async () => {
        const id = await freshConversation();
        const [m] = await appendMany(id, 1);
        expect(
          await store.updateMessage(id, m!.id, (x) => {
            x.content = 'changed in place';
            return null;
          }),
        ).toEqual(m);
        await expect(store.updateMessage(id, m!.id, (x) => ({ ...x, seq: 7 }))).rejects.toMatchObject({
          kind: 'conflict',
        });
        await expect(store.updateMessage(id, m!.id, (x) => ({ ...x, id: 'other' }))).rejects.toMatchObject({
          kind: 'conflict',
        });
        await expect(store.updateMessage(id, messageIdOf(id, 9), (x) => x)).rejects.toMatchObject({
          kind: 'not_found',
          code: 'MESSAGE.NOT_FOUND',
        });
        expect(await store.getMessage(id, m!.id)).toEqual(m);
      });

      it('when 20 reactions are added at once, then all of them are kept', async () => {
        const id = await freshConversation();
        const [m] = await appendMany(id, 1);
        await Promise.all(
          range(1, 20).map((i) =>
            store.updateMessage(id, m!.id, (x) => ({
              ...x,
              reactions: { ...x.reactions, '🔥': [...(x.reactions['🔥'] ?? []), `u${i}`] },
            })),
          ),
        );
        expect((await store.getMessage(id, m!.id))?.reactions['🔥']?.sort()).toEqual(
          range(1, 20)
            .map((i) => `u${i}`)
            .sort(),
        );
      });

      it('when messages are searched, then matches are case-insensitive, newest first, within the dates, without deleted ones, capped at the limit', async () => {
        const a = await freshConversation();
        const b = await freshConversation();
        const c = await freshConversation();
        const send = async (conversationId: string, content: string, createdAt: string) =>
          (await store.appendMessage(newMessage(conversationId, { content, createdAt }))).message;
        const a1 = await send(a, 'Hello World', at(1, 10));
        await send(a, 'nothing here', at(1, 11));
        const a3 = await send(a, 'say HELLO again', at(2, 10));
        const a4 = await send(a, 'hello to be deleted', at(3));
        const a5 = await send(a, 'Othello', at(4));
        const b1 = await send(b, 'hello from b', at(2, 10));
        const b2 = await send(b, 'HeLLo late', at(5));
        await send(c, 'hello in a conversation not searched', at(6));
        await store.updateMessage(a, a4.id, (m) => ({ ...m, isDeleted: true, deletedAt: at(7), deletedBy: 'alice' }));

        const ids = (ms: Message[]) => ms.map((m) => m.id);
        expect(ids(await store.searchMessages([a, b], { text: 'HELLO', limit: 50 }))).toEqual(
          ids([b2, a5, a3, b1, a1]),
        );
        expect(ids(await store.searchMessages([a, b], { text: 'hello', limit: 2 }))).toEqual(ids([b2, a5]));
        expect(
          ids(await store.searchMessages([a, b], { text: 'hello', from: at(2, 10), to: at(4), limit: 50 })),
        ).toEqual(ids([a5, a3, b1]));
        expect(ids(await store.searchMessages([a, b], { text: 'world', limit: 50 }))).toEqual(ids([a1]));
        expect(await store.searchMessages([a, b], { text: 'deleted', limit: 50 })).toEqual([]);
        expect(await store.searchMessages([], { text: 'hello', limit: 50 })).toEqual([]);
        expect((await store.searchMessages([b], { text: 'late', limit: 50 }))[0]).toEqual(b2);

        // B2: the count of every match (not of a page), without the messages the reader hid
        const count = (q: { text: string; from?: string; to?: string }, readerId = 'reader') =>
          store.countSearchMatches([a, b], { ...q, readerId });
        expect(await count({ text: 'hello' })).toBe(5);
        expect(await count({ text: 'hello', from: at(2, 10), to: at(4) })).toBe(3);
        expect(await store.countSearchMatches([], { text: 'hello', readerId: 'reader' })).toBe(0);
        await store.updateMessage(b, b1.id, (m) => ({ ...m, hiddenFor: ['reader'] }));
        expect(await count({ text: 'hello' })).toBe(4);
        expect(await count({ text: 'hello' }, 'someone-else')).toBe(5);
      });
    });

    describe('memberships', () => {
      it('when a membership is put, then it reads back equal; putting it again replaces it', async () => {
        const user = uniq('u');
        const m = membershipOf(user, 'c1', {
          draft: { content: 'hi', replyToMessageId: null, attachments: [], updatedAt: at(1) },
        });
        await store.putMembership(m);
        expect(await store.getMembership(user, 'c1')).toEqual(m);
        await store.putMembership({ ...m, muted: true });
        expect((await store.getMembership(user, 'c1'))?.muted).toBe(true);
        expect(await store.getMembership(user, 'c2')).toBeNull();
        expect(await store.getMembership(uniq('u'), 'c1')).toBeNull();
      });

      it('when a participant and a membership carry joinedSeq (a re-add), then both keep it; older ones without it stay without', async () => {
        const user = uniq('u');
        const id = await freshConversation({
          participants: [
            { userId: 'alice', role: 'owner', joinedAt: at(1) },
            { userId: user, role: 'member', joinedAt: at(2), joinedSeq: 7 },
          ],
        });
        expect((await store.getConversation(id))?.participants).toEqual([
          { userId: 'alice', role: 'owner', joinedAt: at(1) },
          { userId: user, role: 'member', joinedAt: at(2), joinedSeq: 7 },
        ]);
        const m = membershipOf(user, id, { joinedSeq: 7, lastSeq: 7, lastReadSeq: 7, lastDeliveredSeq: 7 });
        await store.putMembership(m);
        expect(await store.getMembership(user, id)).toEqual(m);
        await store.putMembership(membershipOf(user, 'c1'));
        expect(await store.getMembership(user, 'c1')).not.toHaveProperty('joinedSeq');
      });

      it('when a membership is updated, then the change is stored; null leaves it; a missing one gives null', async () => {
        const user = uniq('u');
        await store.putMembership(membershipOf(user, 'c1'));
        const updated = await store.updateMembership(user, 'c1', (m) => ({ ...m, pinned: true, lastReadSeq: 4 }));
        expect(updated).toEqual(membershipOf(user, 'c1', { pinned: true, lastReadSeq: 4 }));
        expect(await store.getMembership(user, 'c1')).toEqual(updated);
        expect(
          await store.updateMembership(user, 'c1', (m) => {
            m.archived = true;
            return null;
          }),
        ).toEqual(updated);
        expect(await store.getMembership(user, 'c1')).toEqual(updated);
        expect(await store.updateMembership(user, 'nope', (m) => m)).toBeNull();
        expect(await store.getMembership(user, 'nope')).toBeNull();
      });

      it('when 20 read receipts move lastReadSeq at once, then the highest wins', async () => {
        const user = uniq('u');
        await store.putMembership(membershipOf(user, 'c1'));
        await Promise.all(
          range(1, 20).map((s) =>
            store.updateMembership(user, 'c1', (m) => (m.lastReadSeq >= s ? null : { ...m, lastReadSeq: s })),
          ),
        );
        expect((await store.getMembership(user, 'c1'))?.lastReadSeq).toBe(20);
      });

      it('when a membership is deleted, then it is gone; deleting a missing one is fine', async () => {
        const user = uniq('u');
        await store.putMembership(membershipOf(user, 'c1'));
        await store.deleteMembership(user, 'c1');
        expect(await store.getMembership(user, 'c1')).toBeNull();
        await expect(store.deleteMembership(user, 'c1')).resolves.toBeUndefined();
        expect(await store.allMemberships(user)).toEqual([]);
      });

      it('when a send advances memberships, then lastSeq and activity only move forward and only the sender reads it', async () => {
        const conversationId = uniq('c');
        const [alice, bob, ghost] = [uniq('alice'), uniq('bob'), uniq('ghost')];
        const draft = { content: 'draft', replyToMessageId: null, attachments: [], updatedAt: at(1) };
        await store.putMembership(membershipOf(alice, conversationId, { lastSeq: 3, lastReadSeq: 2, draft }));
        await store.putMembership(membershipOf(bob, conversationId, { lastSeq: 3, lastReadSeq: 1, draft }));

        await store.advanceMemberships(conversationId, [alice, bob, ghost], { seq: 5, at: at(5), senderId: alice });
        expect(await store.getMembership(alice, conversationId)).toEqual(
          membershipOf(alice, conversationId, {
            lastSeq: 5,
            lastReadSeq: 5,
            lastReadAt: at(5),
            lastActivityAt: at(5),
            draft: null,
          }),
        );
        expect(await store.getMembership(bob, conversationId)).toEqual(
          membershipOf(bob, conversationId, { lastSeq: 5, lastReadSeq: 1, lastActivityAt: at(5), draft }),
        );
        expect(await store.getMembership(ghost, conversationId)).toBeNull();

        // an older send arriving late moves nothing back, but its sender has read it
        await store.advanceMemberships(conversationId, [alice, bob], { seq: 4, at: at(4), senderId: bob });
        expect(await store.getMembership(bob, conversationId)).toEqual(
          membershipOf(bob, conversationId, {
            lastSeq: 5,
            lastReadSeq: 4,
            lastReadAt: at(4),
            lastActivityAt: at(5),
            draft: null,
          }),
        );
        expect((await store.getMembership(alice, conversationId))?.lastReadSeq).toBe(5);
      });

      it('when 30 sends advance the same memberships at once, then the highest seq and newest activity win', async () => {
        const conversationId = uniq('c');
        const [alice, bob] = [uniq('alice'), uniq('bob')];
        await store.putMembership(membershipOf(alice, conversationId));
        await store.putMembership(membershipOf(bob, conversationId));
        await Promise.all(
          range(1, 30)
            .sort((x, y) => ((x * 17) % 31) - ((y * 17) % 31))
            .map((s) =>
              store.advanceMemberships(conversationId, [alice, bob], {
                seq: s,
                at: new Date(Date.UTC(2024, 1, 1, 0, s)).toISOString(),
                senderId: s % 2 ? alice : bob,
              }),
            ),
        );
        const a = await store.getMembership(alice, conversationId);
        const b = await store.getMembership(bob, conversationId);
        expect(a).toMatchObject({
          lastSeq: 30,
          lastReadSeq: 29,
          lastActivityAt: new Date(Date.UTC(2024, 1, 1, 0, 30)).toISOString(),
        });
        expect(b).toMatchObject({
          lastSeq: 30,
          lastReadSeq: 30,
          lastActivityAt: new Date(Date.UTC(2024, 1, 1, 0, 30)).toISOString(),
        });
      });

      it('when an inbox is listed, then pinned come first, then newest activity, then conversation id, filtered by type and archived', async () => {
        const user = uniq('u');
        const put = (cid: string, over: Partial<Membership>) => store.putMembership(membershipOf(user, cid, over));
        await put('c_b', { lastActivityAt: at(3) });
        await put('c_x', { pinned: true, lastActivityAt: at(1), conversationType: 'direct' });
        await put('c_a', { lastActivityAt: at(3), conversationType: 'direct' });
        await put('c_y', { pinned: true, lastActivityAt: at(5) });
        await put('c_c', { lastActivityAt: at(4), archived: true });
        await store.putMembership(membershipOf(uniq('other'), 'c_z', { pinned: true }));

        const list = async (filter: { type?: ConversationType; archived?: boolean }) =>
          (await store.listMemberships(user, filter, { pageSize: 50 })).items.map((m) => m.conversationId);
        expect(await list({})).toEqual(['c_y', 'c_x', 'c_c', 'c_a', 'c_b']);
        expect(await list({ archived: false })).toEqual(['c_y', 'c_x', 'c_a', 'c_b']);
        expect(await list({ archived: true })).toEqual(['c_c']);
        expect(await list({ type: 'direct' })).toEqual(['c_x', 'c_a']);
        expect(await list({ type: 'direct', archived: true })).toEqual([]);
        expect(await list({ type: 'booking' })).toEqual([]);
        const page = await store.listMemberships(user, {}, { pageSize: 50 });
        expect(page.continuationToken).toBeNull();
        expect(page.items[0]).toEqual(membershipOf(user, 'c_y', { pinned: true, lastActivityAt: at(5) }));
      });

      it('when an inbox is paged with continuation tokens, then every entry comes exactly once in inbox order', async () => {
        const user = uniq('u');
        const all: Membership[] = range(1, 23).map((i) =>
          membershipOf(user, `c_${String(i).padStart(2, '0')}`, {
            pinned: i % 7 === 0,
            lastActivityAt: at(1 + (i % 5)),
            archived: i % 4 === 0,
            conversationType: i % 3 === 0 ? 'direct' : 'group',
          }),
        );
        await Promise.all(all.map((m) => store.putMembership(m)));

        for (const filter of [{}, { archived: false }, { type: 'group' as const }]) {
          const expected = all
            .filter((m) => ('archived' in filter ? m.archived === filter.archived : true))
            .filter((m) => ('type' in filter ? m.conversationType === filter.type : true))
            .sort(inboxOrder);
          const seen: Membership[] = [];
          const sizes: number[] = [];
          let token: string | undefined;
          for (let guard = 0; guard < 50; guard++) {
            const page = await store.listMemberships(user, filter, {
              pageSize: 5,
              ...(token !== undefined && { continuationToken: token }),
            });
            seen.push(...page.items);
            sizes.push(page.items.length);
            if (page.continuationToken === null) break;
            token = page.continuationToken;
          }
          expect(seen.map((m) => m.conversationId)).toEqual(expected.map((m) => m.conversationId));
          expect(seen).toEqual(expected);
          expect(sizes.slice(0, -1).every((n) => n === 5)).toBe(true);
          expect(sizes[sizes.length - 1]).toBeLessThanOrEqual(5);
        }
      });

      it('when a continuation token is garbage, then it is refused with PAGING.BAD_TOKEN and a good one still works', async () => {
        const user = uniq('u');
        await Promise.all(range(1, 6).map((i) => store.putMembership(membershipOf(user, `c_${i}`))));
        const first = await store.listMemberships(user, {}, { pageSize: 2 });
        expect(first.continuationToken).not.toBeNull();
        const bad = { kind: 'validation', code: 'PAGING.BAD_TOKEN' };
        for (const garbage of [
          'garbage!',
          'e30',
          Buffer.from('{"o":"x"}').toString('base64url'),
          Buffer.from('[1,2]').toString('base64url'),
        ]) {
          await expect(
            asPromise(() => store.listMemberships(user, {}, { pageSize: 2, continuationToken: garbage })),
          ).rejects.toMatchObject(bad);
        }
        const second = await store.listMemberships(
          user,
          {},
          { pageSize: 2, continuationToken: first.continuationToken! },
        );
        expect(second.items.map((m) => m.conversationId)).toEqual(['c_3', 'c_4']);
      });

      it('when all memberships of a user are asked for, then exactly that user’s come back', async () => {
        const user = uniq('u');
        await Promise.all(
          range(1, 7).map((i) => store.putMembership(membershipOf(user, `c_${i}`, { archived: i % 2 === 0 }))),
        );
        await store.putMembership(membershipOf(uniq('u'), 'c_1'));
        const mine = await store.allMemberships(user);
        expect(mine.map((m) => m.conversationId).sort()).toEqual(range(1, 7).map((i) => `c_${i}`));
        expect(mine.every((m) => m.userId === user)).toBe(true);
        expect(await store.allMemberships(uniq('nobody'))).toEqual([]);
      });
    });

    describe('profiles', () => {
      it('when a user has no profile, then an empty one is returned', async () => {
        const user = uniq('u');
        expect(await store.getProfile(user)).toEqual({ userId: user, blocked: [] });
      });

      it('when a profile is updated, then the change is stored; null leaves it', async () => {
        const user = uniq('u');
        const block = { userId: 'mallory', reason: 'spam', blockedAt: at(1) };
        expect(await store.updateProfile(user, (p) => ({ ...p, blocked: [block] }))).toEqual({
          userId: user,
          blocked: [block],
        });
        expect(await store.getProfile(user)).toEqual({ userId: user, blocked: [block] });
        expect(await store.updateProfile(user, () => null)).toEqual({ userId: user, blocked: [block] });
        expect(await store.updateProfile(user, (p) => ({ ...p, blocked: [] }))).toEqual({ userId: user, blocked: [] });
        expect(await store.getProfile(user)).toEqual({ userId: user, blocked: [] });
      });

      it('when 15 blocks are added at once to a new profile, then none is lost', async () => {
        const user = uniq('u');
        await Promise.all(
          range(1, 15).map((i) =>
            store.updateProfile(user, (p) => ({
              ...p,
              blocked: [...p.blocked, { userId: `b${i}`, reason: null, blockedAt: at(1) }],
            })),
          ),
        );
        expect((await store.getProfile(user)).blocked.map((b) => b.userId).sort()).toEqual(
          range(1, 15)
            .map((i) => `b${i}`)
            .sort(),
        );
      });
    });

    describe('outbox marker', () => {
      it('when a message is stored with pendingSince, then the sweep query finds it until it is settled; settling twice is a no-op', async () => {
        const id = await freshConversation();
        const marked = (await store.appendMessage(newMessage(id, { pendingSince: '2001-01-01T00:00:00.000Z' })))
          .message;
        const plain = (await store.appendMessage(newMessage(id))).message;
        const young = (await store.appendMessage(newMessage(id, { pendingSince: '2001-01-03T00:00:00.000Z' }))).message;
        expect(marked.pendingSince).toBe('2001-01-01T00:00:00.000Z');
        expect(plain.pendingSince).toBeUndefined();
        const mine = async () =>
          (await store.listPendingMessages('2001-01-02T00:00:00.000Z', 1000))
            .filter((m) => m.conversationId === id)
            .map((m) => m.id);
        expect(await mine()).toEqual([marked.id]);
        expect(young.pendingSince).toBeDefined();

        await store.settleMessage(id, marked.id);
        await store.settleMessage(id, marked.id);
        expect(await mine()).toEqual([]);
        const settled = await store.getMessage(id, marked.id);
        expect(settled?.pendingSince).toBeUndefined();
        expect(settled?.content).toBe(marked.content);
        await expect(store.settleMessage(id, messageIdOf(id, 99))).resolves.toBeUndefined();
      });

      it('when lastSeqs is asked for some conversations, then it answers each existing one in one call', async () => {
        const a = await freshConversation();
        const b = await freshConversation();
        await appendMany(a, 3);
        expect(await store.lastSeqs([a, b, uniq('missing')])).toEqual({ [a]: 3, [b]: 0 });
        expect(await store.lastSeqs([])).toEqual({});
      });
    });

    describe('retention', () => {
      const photo = {
        type: 'image' as const,
        url: 'https://f.example/a.png',
        fileName: 'a.png',
        mimeType: 'image/png',
        size: 1,
      };

      it('when the sweep lists, deletes and clears, then expired messages (with their claims) go, later seqs stay unique, and the preview clears only while it shows the message', async () => {
        const id = await freshConversation({}, (c) => [membershipOf('alice', c)]);
        const ms = await appendMany(id, 4, (i) => ({
          createdAt: at(i),
          clientMessageId: `cm-${i}`,
          attachments: i === 2 ? [photo] : [],
        }));
        expect(seqsOf(await store.listMessagesBefore(id, at(3), 10))).toEqual([1, 2]);
        expect(seqsOf(await store.listMessagesBefore(id, at(9), 10, { withAttachments: true }))).toEqual([2]);
        expect(seqsOf(await store.listMessagesBefore(id, at(9), 2))).toEqual([1, 2]);
        expect(await store.deleteMessages(id, ms.slice(0, 2))).toBe(2);
        expect(await store.deleteMessages(id, ms.slice(0, 2))).toBe(0);
        expect(seqsOf(await store.listMessages(id, { limit: 10 }))).toEqual([3, 4]);
        expect(seqsOf(await store.listMessages(id, { beforeSeq: 4, limit: 10 }))).toEqual([3]);
        expect(await store.getMessage(id, messageIdOf(id, 1))).toBeNull();
        expect(await store.findByClientMessageId(id, 'alice', 'cm-1')).toBeNull();
        // a freed clientMessageId stores a new message with the next seq, never a reused one
        const again = await store.appendMessage(newMessage(id, { clientMessageId: 'cm-1', createdAt: at(5) }));
        expect(again).toMatchObject({ created: true, message: { seq: 5 } });
        expect(await store.clearLastMessage(id, messageIdOf(id, 4))).toBe(false);
        expect(await store.clearLastMessage(id, messageIdOf(id, 5))).toBe(true);
        expect((await store.getConversation(id))?.lastMessage).toBeNull();
        expect((await store.getConversation(id))?.lastSeq).toBe(5);
      });

      it('when deleted-for-everyone messages still list files, then they are found until their attachments are cleared', async () => {
        const id = await freshConversation();
        const [m] = await appendMany(id, 1, () => ({ attachments: [photo] }));
        if (!m) throw new Error('no message');
        expect(await store.listDeletedWithAttachments(id, 10)).toEqual([]);
        await store.updateMessage(id, m.id, (x) => ({ ...x, isDeleted: true }));
        expect((await store.listDeletedWithAttachments(id, 10)).map((x) => x.id)).toEqual([m.id]);
        await store.updateMessage(id, m.id, (x) => ({ ...x, attachments: [] }));
        expect(await store.listDeletedWithAttachments(id, 10)).toEqual([]);
      });

      it('when conversations are listed after a cursor and one is deleted, then the order is by id and the deleted one is gone with its messages', async () => {
        const a = await freshConversation();
        const b = await freshConversation();
        await appendMany(a, 2);
        const after = (await store.listConversationsAfter(a < b ? a : b, 1000)).map((c) => c.id);
        expect(after).toContain(a < b ? b : a);
        expect(after).not.toContain(a < b ? a : b);
        expect([...after].sort()).toEqual(after);
        await store.deleteConversation(a);
        expect(await store.getConversation(a)).toBeNull();
        expect(await store.listMessages(a, { limit: 10 })).toEqual([]);
        expect((await store.listConversationsAfter('', 100_000)).map((c) => c.id)).not.toContain(a);
        await store.putRetentionCursor(b);
        expect(await store.getRetentionCursor()).toBe(b);
        await store.putRetentionCursor(null);
        expect(await store.getRetentionCursor()).toBeNull();
      });
    });
  });
}
