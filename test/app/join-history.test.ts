import { describe, expect, it } from 'vitest';
import { addParticipants, removeParticipant } from '../../shared/app/conversations.js';
import { listInbox } from '../../shared/app/inbox.js';
import { getMessageDetail, listMessages } from '../../shared/app/message-reads.js';
import { sendMessage } from '../../shared/app/messages.js';
import { searchMessages } from '../../shared/app/search.js';
import { unreadCount } from '../../shared/domain/rules.js';
import { kindOf, withGroup } from '../support/deps.js';
import { runMessageEvents } from '../support/pipeline.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const carol = { userId: 'carol' };
const page = { limit: 50, includeDeleted: false } as const;
const contents = (r: { messages: { content: string }[] }) => r.messages.map((m) => m.content);

describe('history follows the stay (joinedSeq): no history before joining, also after a re-add', () => {
  it('when carol is added after two messages, then she sees, searches and counts only what came after her join', async () => {
    const t = await withGroup();
    const { deps, id } = t;
    await sendMessage(deps, alice, id, { content: 'before one' });
    await sendMessage(deps, alice, id, { content: 'before two' });
    await addParticipants(deps, alice, id, { userIds: ['carol'], role: 'member' });
    await sendMessage(deps, alice, id, { content: 'after one' });

    // her own addition is the first thing she sees (a typed system message)
    expect(contents(await listMessages(deps, carol, id, page))).toEqual(['alice added carol', 'after one']);
    expect(contents(await listMessages(deps, alice, id, page))).toEqual([
      'before one',
      'before two',
      'alice added carol',
      'after one',
    ]);
    // catch-up from an older seq and a backward page below her join give nothing from before it
    expect(contents(await listMessages(deps, carol, id, { ...page, afterSeq: 0 }))).toEqual([
      'alice added carol',
      'after one',
    ]);
    const below = await listMessages(deps, carol, id, { ...page, beforeSeq: 3 });
    expect(below.messages).toEqual([]);
    expect(below.hasMore).toBe(false);
    expect(await kindOf(getMessageDetail(deps, carol, id, `${id}.1`))).toBe('not_found:MESSAGE.NOT_FOUND');
    expect((await getMessageDetail(deps, carol, id, `${id}.4`)).message.content).toBe('after one');
    const found = await searchMessages(deps, carol, { query: 'one', limit: 50 });
    expect(found.results.map((r) => r.message.content)).toEqual(['after one']);
    const inConversation = await searchMessages(deps, carol, { query: 'before', conversationId: id, limit: 50 });
    expect(inConversation.results).toEqual([]);
    await runMessageEvents(t); // the inbox fan-out moves members' lastSeq (asynchronous since the lean send)
    const membership = await deps.store.getMembership('carol', id);
    expect(membership).toMatchObject({ joinedSeq: 2 });
    expect(unreadCount(membership!)).toBe(2);
    expect((await listInbox(deps, carol, { type: 'all', archived: false, pageSize: 20 })).unreadTotal).toBe(2);
  });

  it('when bob is removed and re-added, then what was sent while he was away stays hidden, and what he saw before too', async () => {
    const t = await withGroup();
    const { deps, id } = t;
    await sendMessage(deps, alice, id, { content: 'first stay' });
    await removeParticipant(deps, alice, id, 'bob');
    await sendMessage(deps, alice, id, { content: 'while away' });
    await addParticipants(deps, alice, id, { userIds: ['bob'], role: 'member' });
    await sendMessage(deps, alice, id, { content: 'back again' });

    expect(contents(await listMessages(deps, bob, id, page))).toEqual(['alice added bob', 'back again']);
    expect(await kindOf(getMessageDetail(deps, bob, id, `${id}.3`))).toBe('not_found:MESSAGE.NOT_FOUND');
    expect((await deps.store.getConversation(id))?.participants.find((p) => p.userId === 'bob')?.joinedSeq).toBe(3);
    await runMessageEvents(t); // the inbox fan-out moves members' lastSeq (asynchronous since the lean send)
    expect(unreadCount((await deps.store.getMembership('bob', id))!)).toBe(2);
    // the creators keep the whole history, with the typed system messages of the membership changes
    expect(contents(await listMessages(deps, alice, id, page))).toEqual([
      'first stay',
      'alice removed bob',
      'while away',
      'alice added bob',
      'back again',
    ]);
  });
});
