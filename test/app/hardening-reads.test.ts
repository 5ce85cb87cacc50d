import { describe, expect, it } from 'vitest';
import { updateMySettings } from '../../shared/app/conversations.js';
import { listInbox } from '../../shared/app/inbox.js';
import { deleteMessage, sendMessage } from '../../shared/app/messages.js';
import { listNotifications } from '../../shared/app/notifications.js';
import { markRead } from '../../shared/app/receipts.js';
import { searchMessages } from '../../shared/app/search.js';
import { withGroup } from '../support/deps.js';
import { runMessageEvents } from '../support/pipeline.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const inbox = { type: 'all', archived: false, pageSize: 20 } as const;
const unread = async (deps: Parameters<typeof listInbox>[0], who: { userId: string }) => {
  const r = await listInbox(deps, who, inbox);
  return { total: r.unreadTotal, entry: r.conversations[0]?.unreadCount };
};

describe('B1: mention notifications respect mute and notification level', () => {
  it('B1: when the mentioned user muted the conversation or set its level to none, then no mention notification is created; after the mute ends, it is', async () => {
    const t = await withGroup();
    const { deps, id, advance } = t;
    // the mention is notified by the message-events consumer (mute and level are read when it runs)
    const mentionBob = async (n: number) => {
      await sendMessage(deps, alice, id, { content: `hey ${n}`, mentions: ['bob'] });
      await runMessageEvents(t);
    };
    const mentions = async () =>
      (await listNotifications(deps, bob, { unreadOnly: false, limit: 50 })).notifications.length;

    await updateMySettings(deps, bob, id, { muted: true, mutedUntil: null });
    await mentionBob(1);
    expect(await mentions()).toBe(0);

    const until = new Date(deps.clock.now().getTime() + 60_000).toISOString();
    await updateMySettings(deps, bob, id, { muted: true, mutedUntil: until });
    await mentionBob(2);
    expect(await mentions()).toBe(0);
    advance(61_000);
    await mentionBob(3);
    expect(await mentions()).toBe(1);

    await updateMySettings(deps, bob, id, { muted: false, mutedUntil: null, notificationLevel: 'none' });
    await mentionBob(4);
    expect(await mentions()).toBe(1);
    await updateMySettings(deps, bob, id, { notificationLevel: 'mentions' });
    await mentionBob(5);
    expect(await mentions()).toBe(2);
  });
});

describe('B3: unread counts leave out what the reader will never see', () => {
  it('B3: when one of 6 unread messages is deleted for everyone, then the reader has 5 unread, in the entry and the total', async () => {
    const { deps, id } = await withGroup();
    const sent = [];
    for (let i = 1; i <= 6; i++) sent.push((await sendMessage(deps, alice, id, { content: `m${i}` })).result.message);
    expect(await unread(deps, bob)).toEqual({ total: 6, entry: 6 });
    await deleteMessage(deps, alice, id, sent[2]?.id as string, true);
    await deleteMessage(deps, alice, id, sent[2]?.id as string, true); // twice: still one message gone
    expect(await unread(deps, bob)).toEqual({ total: 5, entry: 5 });
    expect(await unread(deps, alice)).toEqual({ total: 0, entry: 0 });
  });

  it('B3: when the reader hides messages for themselves, then they leave their unread count; reading past them clears the bookkeeping', async () => {
    const { deps, id } = await withGroup();
    const sent = [];
    for (let i = 1; i <= 6; i++) sent.push((await sendMessage(deps, alice, id, { content: `m${i}` })).result.message);
    await deleteMessage(deps, bob, id, sent[4]?.id as string, false);
    await deleteMessage(deps, alice, id, sent[4]?.id as string, true); // also deleted for everyone: counted once
    await deleteMessage(deps, bob, id, sent[5]?.id as string, false);
    expect(await unread(deps, bob)).toEqual({ total: 4, entry: 4 });
    expect((await markRead(deps, bob, id, 2)).result.unreadCount).toBe(2);
    expect(await unread(deps, bob)).toEqual({ total: 2, entry: 2 });
    expect((await markRead(deps, bob, id, 6)).result.unreadCount).toBe(0);
    expect((await deps.store.getMembership('bob', id))?.goneSeqs).toEqual([]);
    await sendMessage(deps, alice, id, { content: 'm7' });
    expect(await unread(deps, bob)).toEqual({ total: 1, entry: 1 });
  });
});

describe('B2: search totalCount counts every match', () => {
  it('B2: when 7 messages match and the page holds 3, then results has 3 and totalCount is 7 (hidden ones left out of both)', async () => {
    const { deps, id } = await withGroup();
    const sent = [];
    for (let i = 1; i <= 8; i++)
      sent.push((await sendMessage(deps, alice, id, { content: `needle ${i}` })).result.message);
    await deleteMessage(deps, bob, id, sent[0]?.id as string, false);
    const page = await searchMessages(deps, bob, { query: 'needle', limit: 3 });
    expect(page.results).toHaveLength(3);
    expect(page.totalCount).toBe(7);
    expect((await searchMessages(deps, alice, { query: 'needle', limit: 3, conversationId: id })).totalCount).toBe(8);
    expect((await searchMessages(deps, alice, { query: 'nothing', limit: 3 })).totalCount).toBe(0);
  });
});
