import { describe, expect, it } from 'vitest';
import { createConversation, updateConversation } from '../../shared/app/conversations.js';
import type { AppDeps } from '../../shared/app/deps.js';
import { saveDraft } from '../../shared/app/drafts.js';
import { deleteMessage, sendMessage } from '../../shared/app/messages.js';
import { sweepRetention } from '../../shared/app/retention.js';
import type { Message } from '../../shared/domain/message.js';
import { memoryDeps } from '../support/deps.js';

const DAY = 86_400_000;
const photo = (name: string) => ({
  type: 'image' as const,
  url: `https://files.example/${name}`,
  fileName: name,
  mimeType: 'image/png',
  size: 10,
});

/** A blob store stand-in that records what the sweep asked it to remove (idempotent: a gone blob counts 0). */
function blobs() {
  const removed = new Set<string>();
  const remove = (messages: Message[]) => {
    let n = 0;
    for (const m of messages)
      for (const a of m.attachments)
        if (!removed.has(a.url)) {
          removed.add(a.url);
          n++;
        }
    return Promise.resolve(n);
  };
  return { removed, remove };
}

/** Two conversations: a driver chat (30 days) that goes quiet, a support chat (180 days) that stays. */
async function world(over: Partial<AppDeps> = {}) {
  const t = memoryDeps(over);
  const { deps } = t;
  const driver = (
    await createConversation(
      deps,
      { userId: 'cust' },
      { type: 'group', participants: ['drv'], category: 'customer-driver' },
    )
  ).result.conversationId;
  const support = (
    await createConversation(
      deps,
      { userId: 'cust' },
      { type: 'group', participants: ['agent'], category: 'customer-support' },
    )
  ).result.conversationId;
  await sendMessage(deps, { userId: 'cust' }, driver, { content: 'where are you?' });
  await sendMessage(deps, { userId: 'drv' }, driver, { type: 'image', attachments: [photo('car.png')] });
  await sendMessage(deps, { userId: 'cust' }, support, { content: 'my order is late' });
  const gone = await sendMessage(deps, { userId: 'agent' }, support, {
    type: 'image',
    attachments: [photo('label.png')],
  });
  await deleteMessage(deps, { userId: 'agent' }, support, gone.result.message.id, true);
  await saveDraft(deps, { userId: 'cust' }, driver, { content: 'half a thought' });
  await saveDraft(deps, { userId: 'cust' }, support, { content: 'still typing' });
  for (const id of [driver, support]) {
    await deps.ephemeral.startTyping(id, 'cust');
    await deps.ephemeral.cacheReadMark(id, 'cust', { seq: 1, readAt: new Date(0).toISOString() });
  }
  return { ...t, driver, support };
}

describe('retention sweep (fake clock)', () => {
  it('when a conversation is past its retention, then its messages, blobs, preview, memberships with drafts and Redis keys go; a live one keeps everything but the blobs of its deleted-for-everyone message', async () => {
    const t = await world();
    const b = blobs();
    t.advance(31 * DAY);
    const report = await sweepRetention(t.deps, { removeBlobs: b.remove });
    expect(report).toMatchObject({
      messagesDeleted: 2,
      blobsRemoved: 2,
      conversationsRemoved: 1,
      membershipsRemoved: 2,
      redisKeysRemoved: 2, // typing and the read-mark cache
      more: false,
    });
    expect([...b.removed].sort()).toEqual(['https://files.example/car.png', 'https://files.example/label.png']);
    const { store, ephemeral } = t.deps;
    expect(await store.getConversation(t.driver)).toBeNull();
    expect(await store.listMessages(t.driver, { limit: 10 })).toEqual([]);
    expect(await store.getMembership('cust', t.driver)).toBeNull();
    expect(await store.getMembership('drv', t.driver)).toBeNull();
    expect(await ephemeral.readMarks(t.driver, ['cust'])).toEqual({ cust: null });
    expect(await store.searchMessages([t.driver], { text: 'where', limit: 10 })).toEqual([]);
    // the live conversation keeps its messages, preview, draft and keys
    const live = await store.getConversation(t.support);
    expect(live?.lastMessage).not.toBeNull();
    expect(
      (await store.listMessages(t.support, { limit: 10 })).map((m) => [m.seq, m.isDeleted, m.attachments]),
    ).toEqual([
      [1, false, []],
      [2, true, []],
    ]);
    expect((await store.getMembership('cust', t.support))?.draft?.content).toBe('still typing');
    expect((await ephemeral.readMarks(t.support, ['cust'])).cust).not.toBeNull();

    const again = await sweepRetention(t.deps, { removeBlobs: b.remove });
    expect(again).toMatchObject({
      messagesDeleted: 0,
      blobsRemoved: 0,
      previewsCleared: 0,
      conversationsRemoved: 0,
      membershipsRemoved: 0,
      redisKeysRemoved: 0,
    });
  });

  it('when only some messages are past retention, then those go and the rest stays; the preview goes once the message it shows is gone', async () => {
    const t = await world();
    t.advance(20 * DAY);
    await sendMessage(t.deps, { userId: 'drv' }, t.driver, { content: 'here now' });
    t.advance(11 * DAY);
    const first = await sweepRetention(t.deps, { removeBlobs: blobs().remove });
    expect(first).toMatchObject({ messagesDeleted: 2, previewsCleared: 0, conversationsRemoved: 0 });
    expect((await t.deps.store.listMessages(t.driver, { limit: 10 })).map((m) => m.content)).toEqual(['here now']);
    // a rename keeps the conversation active while its last message expires: the preview must not outlive it
    t.advance(25 * DAY);
    await updateConversation(t.deps, { userId: 'cust' }, t.driver, { description: 'ride' });
    const second = await sweepRetention(t.deps, { removeBlobs: blobs().remove });
    expect(second).toMatchObject({ messagesDeleted: 1, previewsCleared: 1, conversationsRemoved: 0 });
    const c = await t.deps.store.getConversation(t.driver);
    expect(c?.lastMessage).toBeNull();
  });

  it('when a sweep crashes midway, then the next one resumes from the persisted cursor and ends where an uninterrupted one would', async () => {
    let failures = 1;
    const t = await world();
    const real = t.deps.store;
    const flaky = new Proxy(real, {
      get(obj, prop, receiver) {
        const v: unknown = Reflect.get(obj, prop, receiver);
        if (prop === 'deleteConversation' && typeof v === 'function')
          return (id: string) => (failures-- > 0 ? Promise.reject(new Error('crash')) : real.deleteConversation(id));
        return typeof v === 'function' ? v.bind(obj) : v;
      },
    });
    const b = blobs();
    t.advance(200 * DAY);
    await expect(sweepRetention({ ...t.deps, store: flaky }, { removeBlobs: b.remove })).rejects.toThrow('crash');
    const resumed = await sweepRetention({ ...t.deps, store: flaky }, { removeBlobs: b.remove });
    expect(resumed.conversationsRemoved).toBe(2);
    expect(await real.getConversation(t.driver)).toBeNull();
    expect(await real.getConversation(t.support)).toBeNull();
    expect(await real.getMembership('cust', t.support)).toBeNull();
    expect([...b.removed].sort()).toEqual(['https://files.example/car.png', 'https://files.example/label.png']);
  });

  it('when a run reaches its bound, then it stops, says there is more, and later runs finish from the cursor', async () => {
    const t = await world();
    t.advance(200 * DAY);
    const runs = [];
    for (let i = 0; i < 10; i++) {
      const r = await sweepRetention(t.deps, { batch: 1 });
      runs.push(r);
      if (!r.more) break;
    }
    expect(runs.length).toBeGreaterThan(2);
    expect(runs.slice(0, -1).every((r) => r.more)).toBe(true);
    expect(runs.reduce((n, r) => n + r.conversationsRemoved, 0)).toBe(2);
    expect(await t.deps.store.getRetentionCursor()).toBeNull();
  });

  it('when the category changes, then messages sent from then on get the new retention and older ones keep theirs', async () => {
    const t = await world();
    await updateConversation(t.deps, { userId: 'cust' }, t.support, { category: 'customer-driver' });
    expect((await t.deps.store.getConversation(t.support))?.retentionDays).toBe(30);
    await sendMessage(t.deps, { userId: 'cust' }, t.support, { content: 'after the change' });
    const ms = await t.deps.store.listMessages(t.support, { limit: 10 });
    expect(ms.map((m) => m.ttl)).toEqual([180 * 86_400, 180 * 86_400, 30 * 86_400]);
  });
});
