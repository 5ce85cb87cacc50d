import { describe, expect, it } from 'vitest';
import type { Message } from '../src/client/types.js';
import {
  emptyThread,
  followsWithoutGap,
  mergeMessages,
  raise,
  receivedCopy,
  seenBy,
  tickOf,
  updateIsNew,
} from '../src/composables/thread.js';

const msg = (seq: number, over: Partial<Message> = {}): Message => ({
  id: `c.${seq}`,
  conversationId: 'c',
  seq,
  senderId: 'ann',
  type: 'text',
  content: `m${seq}`,
  clientMessageId: `cid-${seq}`,
  replyToMessageId: null,
  mentions: [],
  attachments: [],
  reactions: {},
  isEdited: false,
  isDeleted: false,
  createdAt: new Date(0).toISOString(),
  ...over,
});

describe('thread', () => {
  it('keeps messages ordered by seq whatever order they arrive in, and never twice', () => {
    const t = emptyThread();
    expect(mergeMessages(t, [msg(3), msg(1)])).toEqual([3, 1]);
    expect(mergeMessages(t, [msg(2), msg(3), msg(1)])).toEqual([2]);
    expect(t.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('replaces a seq it has (an edit), and confirms the pending message with the same clientMessageId', () => {
    const t = emptyThread();
    mergeMessages(t, [msg(1)]);
    t.pending.push({
      clientMessageId: 'mine',
      conversationId: 'c',
      content: 'hi',
      type: 'text',
      replyToMessageId: null,
      mentions: [],
      status: 'sending',
      error: null,
      createdAt: '',
      upload: null,
      previewUrl: null,
    });
    mergeMessages(t, [msg(1, { content: 'edited', isEdited: true }), msg(2, { clientMessageId: 'other' })]);
    expect(t.pending).toHaveLength(1);
    mergeMessages(t, [msg(3, { clientMessageId: null, tempId: 'mine' })]);
    expect(t.pending).toHaveLength(0);
    expect(t.messages.map((m) => m.content)).toEqual(['edited', 'm2', 'm3']);
  });

  it('sees a gap when a live seq skips past what is known', () => {
    const t = emptyThread();
    t.top = 4;
    expect(followsWithoutGap(t, 5)).toBe(true);
    expect(followsWithoutGap(t, 3)).toBe(true);
    expect(followsWithoutGap(t, 6)).toBe(false);
  });

  it('ticks: sent, delivered to someone, read by every other participant; seen-by names the readers', () => {
    const t = emptyThread();
    const others = ['ben', 'cy'];
    expect(tickOf(t, 2, 'ann', others)).toBe('sent');
    raise(t.deliveredUpTo, 'ben', 2);
    expect(tickOf(t, 2, 'ann', others)).toBe('delivered');
    raise(t.readUpTo, 'ben', 5);
    raise(t.readUpTo, 'ben', 3); // marks only move forward
    expect(t.readUpTo.ben).toBe(5);
    expect(tickOf(t, 2, 'ann', others)).toBe('delivered');
    raise(t.readUpTo, 'cy', 2);
    expect(tickOf(t, 2, 'ann', others)).toBe('read');
    expect(tickOf(t, 3, 'ann', others)).toBe('delivered');
    raise(t.readUpTo, 'ann', 9);
    expect(seenBy(t, 3, 'ann')).toEqual(['ben']);
    expect(seenBy(t, 2, 'ann')).toEqual(['ben', 'cy']);
  });

  it("the server's status counts until live receipts say more: read in a DM, delivered in a group", () => {
    const t = emptyThread();
    expect(tickOf(t, 1, 'ann', ['ben'], 'read')).toBe('read');
    expect(tickOf(t, 1, 'ann', ['ben', 'cy'], 'read')).toBe('delivered');
    expect(tickOf(t, 1, 'ann', ['ben', 'cy'], 'delivered')).toBe('delivered');
    expect(tickOf(t, 1, 'ann', ['ben'], 'sent')).toBe('sent');
  });

  it('keeps the newer copy when a message event comes after an update of that message (its link previews)', () => {
    const t = emptyThread();
    t.loaded = true;
    mergeMessages(t, [msg(1)]);
    t.top = 1;
    const previews = { linkPreviews: [{ url: 'https://example.com/', title: 'Example' }] };
    // the update arrives first: taken as the new message, not dropped
    expect(updateIsNew(t, 2)).toBe(true);
    mergeMessages(t, [msg(2, { metadata: previews })]);
    expect(updateIsNew(t, 2)).toBe(false);
    // then the message as sent: the copy with previews stays
    const kept = receivedCopy(t, msg(2));
    mergeMessages(t, [kept]);
    expect(t.messages.map((m) => [m.seq, m.metadata?.linkPreviews?.length ?? 0])).toEqual([
      [1, 0],
      [2, 1],
    ]);
    // an update of a message older than the loaded window is not taken as new
    expect(updateIsNew(t, 1)).toBe(false);
    t.loaded = false;
    expect(updateIsNew(t, 3)).toBe(false);
  });
});
