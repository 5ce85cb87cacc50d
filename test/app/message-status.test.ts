import { describe, expect, it } from 'vitest';
import { createConversation } from '../../shared/app/conversations.js';
import { listInbox } from '../../shared/app/inbox.js';
import { type MessageCheck, messageEventsConsumer } from '../../shared/app/message-events.js';
import { failMessage } from '../../shared/app/message-failure.js';
import { getMessageDetail, listMessages } from '../../shared/app/message-reads.js';
import { sendMessage } from '../../shared/app/messages.js';
import { markDelivered, markRead } from '../../shared/app/receipts.js';
import { searchMessages } from '../../shared/app/search.js';
import { wireEvents } from '../../shared/contracts/index.js';
import { parseNative } from '../../shared/contracts/native.js';
import { EVENTS, type Push } from '../../shared/domain/events.js';
import { kindOf, memoryDeps, withDirect } from '../support/deps.js';
import { runMessageEvents } from '../support/pipeline.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const carol = { userId: 'carol' };
const page = { limit: 50, includeDeleted: false } as const;
const inbox = { archived: false, type: 'all', pageSize: 20 } as const;

const statuses = (r: { messages: { seq: number; status: string; readAt: string | null }[] }) =>
  r.messages.map((m) => `${m.seq}:${m.status}${m.readAt ? '@' : ''}`);

describe('message status for the viewer', () => {
  it('when the other side receives and reads, then lists, catch-up, search, inbox and detail show sent → delivered → read for the sender and delivered → read for the reader, with no per-message read', async () => {
    const t = await withDirect();
    for (const content of ['one', 'two']) await sendMessage(t.deps, alice, t.id, { content });
    expect(statuses(await listMessages(t.deps, alice, t.id, page))).toEqual(['1:sent', '2:sent']);

    await markDelivered(t.deps, bob, t.id, 2);
    await markRead(t.deps, bob, t.id, 1);
    // why: receipts are positions per member: a page costs membership reads, never a read per message
    let messageReads = 0;
    const getMessage = t.deps.store.getMessage.bind(t.deps.store);
    t.deps.store.getMessage = (c, m) => {
      messageReads++;
      return getMessage(c, m);
    };
    expect(statuses(await listMessages(t.deps, alice, t.id, page))).toEqual(['1:read@', '2:delivered']);
    expect(statuses(await listMessages(t.deps, bob, t.id, page))).toEqual(['1:read@', '2:delivered']);
    expect(statuses(await listMessages(t.deps, alice, t.id, { ...page, after: '1' }))).toEqual(['2:delivered']);
    expect(messageReads).toBe(0);

    const found = await searchMessages(t.deps, alice, { query: 'o', limit: 10 });
    expect(found.results.map((r) => `${r.message.seq}:${r.message.status}`).sort()).toEqual(['1:read', '2:delivered']);
    const before = (await listInbox(t.deps, alice, inbox)).conversations[0]?.lastMessage;
    expect(before).toMatchObject({ seq: 2, status: 'delivered', readAt: null });

    await markRead(t.deps, bob, t.id, 2);
    const after = (await listInbox(t.deps, alice, inbox)).conversations[0]?.lastMessage;
    expect(after).toMatchObject({ seq: 2, status: 'read', readAt: expect.any(String) });
    expect((await listInbox(t.deps, bob, inbox)).conversations[0]?.lastMessage).toMatchObject({ status: 'read' });
    const detail = await getMessageDetail(t.deps, alice, t.id, `${t.id}.2`);
    expect(detail.message).toMatchObject({ status: 'read', failureCode: null, failureReason: null });
  });

  it('when one member of a group read a message, then it is read for its sender (at least one reader) and still delivered for the member who did not read it', async () => {
    const t = memoryDeps();
    const { result } = await createConversation(t.deps, alice, {
      type: 'group',
      participants: ['bob', 'carol'],
      title: 'g',
    });
    const id = result.conversationId;
    await sendMessage(t.deps, alice, id, { content: 'hello' });
    expect(statuses(await listMessages(t.deps, alice, id, page))).toEqual(['1:sent']);
    await markRead(t.deps, carol, id, 1);
    expect(statuses(await listMessages(t.deps, alice, id, page))).toEqual(['1:read@']);
    expect(statuses(await listMessages(t.deps, bob, id, page))).toEqual(['1:delivered']);
  });

  it('when a message is pushed, then every dialect carries its status (native, listo MessageDto, spec)', async () => {
    const t = await withDirect();
    const { pushes } = await sendMessage(t.deps, alice, t.id, { content: 'hi' });
    const received = pushes.find((p) => p.kind === 'event' && p.target === EVENTS.messageReceived);
    if (received?.kind !== 'event') throw new Error('no OnMessageReceived');
    expect(parseNative(EVENTS.messageReceived, received.payload).ok).toBe(true);
    const listo = wireEvents('listo', EVENTS.messageReceived, received.payload);
    const spec = wireEvents('spec', EVENTS.messageReceived, received.payload);
    expect(listo.ok && listo.events[0]?.args[0]).toMatchObject({ status: 'sent', readAt: null });
    expect(spec.ok && spec.events[0]?.args[0]).toMatchObject({ message: { status: 'sent' } });
  });
});

describe('failed messages (a queued step rejects a stored message)', () => {
  const infected: MessageCheck = (m) =>
    Promise.resolve(
      m.attachments.some((a) => a.fileName === 'eicar.com')
        ? { code: 'ATTACHMENT.INFECTED', reason: 'eicar.com was found infected' }
        : null,
    );
  const attachment = {
    type: 'document' as const,
    url: 'https://files.example.com/eicar.com',
    fileName: 'eicar.com',
    mimeType: 'application/octet-stream',
    size: 68,
  };

  it('when the message-events consumer’s check rejects a message, then its sender sees it failed with the reason, the others lose it, and nobody is notified of it', async () => {
    const t = memoryDeps();
    const { result } = await createConversation(t.deps, alice, {
      type: 'group',
      participants: ['bob', 'carol'],
      title: 'g',
    });
    const id = result.conversationId;
    await sendMessage(t.deps, alice, id, { content: 'fine' });
    await runMessageEvents(t);
    t.queue.drain('push-notifications');
    await sendMessage(t.deps, alice, id, { content: 'see file', attachments: [attachment] });
    const pushes: Push[] = await runMessageEvents(t, messageEventsConsumer(t.deps, [infected]));

    const updated = pushes.find((p) => p.kind === 'event' && p.target === EVENTS.messageUpdated);
    expect(updated).toMatchObject({
      to: { users: ['alice'] },
      payload: {
        messageId: `${id}.2`,
        message: {
          status: 'failed',
          failureCode: 'ATTACHMENT.INFECTED',
          failureReason: 'eicar.com was found infected',
        },
      },
    });
    expect(parseNative(EVENTS.messageUpdated, updated?.kind === 'event' ? updated.payload : null).ok).toBe(true);
    const removed = pushes.find((p) => p.kind === 'event' && p.target === EVENTS.messageDeleted);
    expect(removed).toMatchObject({ to: { exceptUser: 'alice' }, payload: { forEveryone: true, reason: 'failed' } });
    expect(parseNative(EVENTS.messageDeleted, removed?.kind === 'event' ? removed.payload : null).ok).toBe(true);
    expect(t.queue.drain('push-notifications'), 'no push notification of a failed message').toEqual([]);

    const mine = await listMessages(t.deps, alice, id, page);
    expect(mine.messages.map((m) => `${m.seq}:${m.status}:${m.failureReason ?? ''}`)).toEqual([
      '1:sent:',
      '2:failed:eicar.com was found infected',
    ]);
    expect((await listMessages(t.deps, bob, id, page)).messages.map((m) => m.seq)).toEqual([1]);
    expect(await kindOf(getMessageDetail(t.deps, bob, id, `${id}.2`))).toBe('not_found:MESSAGE.NOT_FOUND');
    const bobInbox = (await listInbox(t.deps, bob, inbox)).conversations[0];
    expect(bobInbox).toMatchObject({ unreadCount: 1, lastMessage: { preview: 'Message removed' } });
    expect((await searchMessages(t.deps, bob, { query: 'see', limit: 10 })).results).toEqual([]);
  });

  it('when failMessage runs again (a redelivered job), then nothing changes and nothing is pushed; a gone message is answered failed: false', async () => {
    const t = await withDirect();
    await sendMessage(t.deps, alice, t.id, { content: 'x', attachments: [attachment] });
    const rejection = { conversationId: t.id, messageId: `${t.id}.1`, code: 'ATTACHMENT.INFECTED', reason: 'infected' };
    expect((await failMessage(t.deps, rejection)).result.failed).toBe(true);
    const again = await failMessage(t.deps, { ...rejection, code: 'OTHER.CODE' });
    expect(again).toEqual({ result: { failed: false, message: null }, pushes: [] });
    const detail = await getMessageDetail(t.deps, alice, t.id, `${t.id}.1`);
    expect(detail).toMatchObject({ status: 'failed', message: { failureCode: 'ATTACHMENT.INFECTED' } });
    expect((await failMessage(t.deps, { ...rejection, messageId: `${t.id}.9` })).result.failed).toBe(false);
    await expect(failMessage(t.deps, { ...rejection, code: 'lower case' })).rejects.toThrow(/dotted upper-case/);
  });
});
