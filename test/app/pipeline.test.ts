import { describe, expect, it } from 'vitest';
import { createConversation } from '../../shared/app/conversations.js';
import { listInbox } from '../../shared/app/inbox.js';
import { messageEventsConsumer } from '../../shared/app/message-events.js';
import { sendMessage } from '../../shared/app/messages.js';
import { sweepOutbox } from '../../shared/app/outbox-sweep.js';
import { MessageEventSchema } from '../../shared/domain/jobs.js';
import type { ConversationStore } from '../../shared/ports/store.js';
import { memoryDeps, withGroup } from '../support/deps.js';
import { runMessageEvents } from '../support/pipeline.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const inbox = { type: 'all', archived: false, pageSize: 20 } as const;

/** Counts membership writes per user made through advanceMemberships. */
function countingStore(store: ConversationStore) {
  const writes = new Map<string, number>();
  const counted = new Proxy(store, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (prop !== 'advanceMemberships' || typeof value !== 'function') return value;
      return (conversationId: string, userIds: string[], m: { seq: number; at: string; senderId: string }) => {
        for (const u of userIds) writes.set(u, (writes.get(u) ?? 0) + 1);
        return obj.advanceMemberships(conversationId, userIds, m);
      };
    },
  });
  return { counted, writes };
}

describe('the event pipeline behind a send', () => {
  it('when a message is sent, then exactly one message-events job is enqueued with an id derived from the message', async () => {
    const t = await withGroup();
    const { result } = await sendMessage(t.deps, alice, t.id, { content: 'hi' });
    expect(t.queue.jobs).toEqual([
      {
        queue: 'message-events',
        id: `msg:${result.message.id}`,
        body: { conversationId: t.id, messageId: result.message.id, seq: 1, senderId: 'alice' },
      },
    ]);
  });

  it('when the enqueue fails after the message is stored, then a retry re-emits push and job, the sweep finds it, and the side effects happen once', async () => {
    const t = await withGroup();
    t.queue.failNext = 1;
    const first = await sendMessage(t.deps, alice, t.id, {
      content: 'hi @bob',
      mentions: ['bob'],
      clientMessageId: 'c1',
    });
    expect(first.result.created).toBe(true);
    expect(t.queue.jobs).toHaveLength(0);
    const retry = await sendMessage(t.deps, alice, t.id, {
      content: 'hi @bob',
      mentions: ['bob'],
      clientMessageId: 'c1',
    });
    expect(retry.result.created).toBe(false);
    expect(retry.pushes.map((p) => p.kind === 'event' && p.target)).toEqual(['OnMessageReceived']);
    expect(t.queue.jobs.filter((j) => j.queue === 'message-events')).toHaveLength(1);

    // the sweep, later, finds the still-pending message; its job id is the same, so the queue keeps one
    t.advance(120_000);
    expect(await sweepOutbox(t.deps)).toEqual({ requeued: 1 });
    expect(t.queue.jobs.filter((j) => j.queue === 'message-events')).toHaveLength(1);

    await runMessageEvents(t);
    expect(await sweepOutbox(t.deps)).toEqual({ requeued: 0 });
    const notes = await t.deps.notifications.list('bob', { unreadOnly: false, limit: 10 });
    expect(notes).toHaveLength(1);
    const again = await sendMessage(t.deps, alice, t.id, {
      content: 'hi @bob',
      mentions: ['bob'],
      clientMessageId: 'c1',
    });
    expect(again.pushes).toEqual([]);
  });

  it('when the consumer fails and the job is redelivered, then running it again changes nothing more (idempotent)', async () => {
    const t = await withGroup();
    await sendMessage(t.deps, alice, t.id, { content: 'hey @bob https://example.com/x', mentions: ['bob'] });
    const [job] = t.queue.drain('message-events');
    const event = MessageEventSchema.parse(job?.body);
    const failing = {
      ...t.deps,
      queue: { enqueue: () => Promise.reject(new Error('down')), close: () => Promise.resolve() },
    };
    await expect(messageEventsConsumer(failing)(event)).rejects.toThrow('down');
    expect((await t.deps.store.getMessage(t.id, event.messageId))?.pendingSince).toBeDefined();

    const consumer = messageEventsConsumer(t.deps);
    await consumer(event);
    await consumer(event);
    await messageEventsConsumer(t.deps)(event);
    expect(await t.deps.notifications.list('bob', { unreadOnly: false, limit: 10 })).toHaveLength(1);
    // the URL's link-previews job too: one, whatever the number of runs (its id is the message's)
    expect(t.queue.jobs.map((j) => `${j.queue}:${j.id}`).sort()).toEqual(
      [
        `message-events:msg:${event.messageId}`,
        `push-notifications:push:now:${event.messageId}`,
        `link-previews:preview:${event.messageId}`,
      ].sort(),
    );
    expect((await t.deps.store.getMessage(t.id, event.messageId))?.pendingSince).toBeUndefined();
    expect((await t.deps.store.getMembership('bob', t.id))?.lastSeq).toBe(1);
  });

  it('when the fan-out has not run yet, then unread counts are already exact; after it runs they stay so', async () => {
    const t = await withGroup();
    for (let i = 0; i < 3; i++) await sendMessage(t.deps, alice, t.id, { content: `m${i}` });
    expect((await t.deps.store.getMembership('bob', t.id))?.lastSeq).toBe(0); // paused: nothing fanned out
    const paused = await listInbox(t.deps, bob, inbox);
    expect(paused.unreadTotal).toBe(3);
    expect(paused.conversations[0]).toMatchObject({ unreadCount: 3, lastSeq: 3 });
    expect((await listInbox(t.deps, alice, inbox)).unreadTotal).toBe(0);

    await runMessageEvents(t);
    expect((await t.deps.store.getMembership('bob', t.id))?.lastSeq).toBe(3);
    expect((await listInbox(t.deps, bob, inbox)).unreadTotal).toBe(3);
    expect((await listInbox(t.deps, alice, inbox)).unreadTotal).toBe(0);
  });

  it('when 100 messages are sent in a 50-member group, then the fan-out costs each member at most a few writes', async () => {
    const t = memoryDeps({ limits: { sendPerMinute: 1000, typingPerMinute: 10, conversationsPerMinute: 100 } });
    const members = Array.from({ length: 49 }, (_, i) => `m${i}`);
    const { result } = await createConversation(t.deps, alice, { type: 'group', participants: members, title: 'big' });
    const id = result.conversationId;
    for (let i = 0; i < 100; i++) await sendMessage(t.deps, alice, id, { content: `burst ${i}` });

    const { counted, writes } = countingStore(t.deps.store);
    const deps = { ...t.deps, store: counted };
    const consumer = messageEventsConsumer(deps);
    // a consumer with concurrency, as the Functions host runs it
    await Promise.all(t.queue.drain('message-events').map((j) => consumer(MessageEventSchema.parse(j.body))));
    for (const u of ['alice', ...members]) expect(writes.get(u) ?? 0).toBeLessThanOrEqual(2);
    for (const u of members) expect((await t.deps.store.getMembership(u, id))?.lastSeq).toBe(100);
  });
});
