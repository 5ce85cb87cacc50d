import { describe, expect, it } from 'vitest';
import { blockUser } from '../../shared/app/blocks.js';
import {
  addParticipants,
  createConversation,
  removeParticipant,
  updateMySettings,
} from '../../shared/app/conversations.js';
import { listInbox } from '../../shared/app/inbox.js';
import {
  deleteMessage,
  editMessage,
  getMessageDetail,
  listMessages,
  react,
  sendMessage,
} from '../../shared/app/messages.js';
import { markRead } from '../../shared/app/reads.js';
import { joinConversation, markDelivered, setTyping } from '../../shared/app/realtime.js';
import { AppError } from '../../shared/domain/errors.js';
import { memoryDeps } from '../support/deps.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const carol = { userId: 'carol' };

async function direct() {
  const t = memoryDeps();
  const { result } = await createConversation(t.deps, alice, { type: 'direct', participants: ['bob'] });
  return { ...t, id: result.conversationId };
}

const kindOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof AppError ? `${e.kind}:${e.code}` : 'unexpected';
  }
};

describe('use cases on the memory adapters', () => {
  it('when a conversation is created, then every participant joins its group and is told', async () => {
    const { deps } = memoryDeps();
    const { result, pushes } = await createConversation(deps, alice, {
      type: 'group',
      participants: ['bob', 'carol', 'bob'],
      title: 'g',
    });
    expect(result.created).toBe(true);
    expect(pushes.filter((p) => p.kind === 'group').map((p) => p.kind === 'group' && p.userId)).toEqual([
      'alice',
      'bob',
      'carol',
    ]);
    expect(pushes.find((p) => p.kind === 'event')).toMatchObject({
      target: 'ConversationUpdated',
      to: { users: ['alice', 'bob', 'carol'] },
    });
  });

  it('when someone outside a booking creates its conversation, then they are refused and learn nothing', async () => {
    const { deps } = memoryDeps();
    await createConversation(deps, alice, { type: 'booking', bookingId: 'b42', participants: ['bob'] });
    const again = await createConversation(deps, bob, { type: 'booking', bookingId: 'b42', participants: ['alice'] });
    expect(again.result.created).toBe(false);
    expect(
      await kindOf(createConversation(deps, carol, { type: 'booking', bookingId: 'b42', participants: ['alice'] })),
    ).toBe('conflict:CONVERSATION.EXISTS');
  });

  it('when a message is sent, then it is pushed to the group with its tempId and unread counts move', async () => {
    const { deps, id } = await direct();
    const { result, pushes } = await sendMessage(deps, alice, id, { content: 'hi', clientMessageId: 't1' });
    expect(result.message.seq).toBe(1);
    expect(pushes).toEqual([
      expect.objectContaining({
        target: 'OnMessageReceived',
        to: { group: `conversation:${id}` },
        payload: expect.objectContaining({ seq: 1, tempId: 't1' }),
      }),
    ]);
    const again = await sendMessage(deps, alice, id, { content: 'hi', clientMessageId: 't1' });
    expect(again).toMatchObject({ result: { created: false, message: { seq: 1 } }, pushes: [] });
    expect((await listInbox(deps, bob, { type: 'all', archived: false, pageSize: 20 })).unreadTotal).toBe(1);
    expect((await listInbox(deps, alice, { type: 'all', archived: false, pageSize: 20 })).unreadTotal).toBe(0);
  });

  it('when the send rate is exceeded, then the sender gets rate_limited with a retry-after and nothing is stored', async () => {
    const { deps } = memoryDeps({ limits: { sendPerMinute: 3, typingPerMinute: 10 } });
    const { result } = await createConversation(deps, alice, { type: 'direct', participants: ['bob'] });
    for (let i = 0; i < 3; i++) await sendMessage(deps, alice, result.conversationId, { content: `m${i}` });
    const err = await sendMessage(deps, alice, result.conversationId, { content: 'one too many' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).kind).toBe('rate_limited');
    expect((err as AppError).extra.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((await deps.store.getConversation(result.conversationId))?.lastSeq).toBe(3);
  });

  it('when the rate limiter is down, then sending still works and the failure is logged', async () => {
    const t = memoryDeps();
    t.deps.ephemeral.take = () => Promise.reject(new Error('redis down'));
    const { result } = await createConversation(t.deps, alice, { type: 'direct', participants: ['bob'] });
    await sendMessage(t.deps, alice, result.conversationId, { content: 'still here' });
    expect(t.logs.some((l) => l.message.includes('rate limiter failed'))).toBe(true);
  });

  it('when typing goes over 10 per minute, then the extra signals are dropped silently', async () => {
    const { deps, id } = await direct();
    const accepted: boolean[] = [];
    for (let i = 0; i < 12; i++) accepted.push((await setTyping(deps, alice, id, true)).result.accepted);
    expect(accepted.filter(Boolean)).toHaveLength(10);
  });

  it('when a message is sent while typing, then typing is cleared and others are told', async () => {
    const { deps, id } = await direct();
    await setTyping(deps, alice, id, true);
    const { pushes } = await sendMessage(deps, alice, id, { content: 'done typing' });
    expect(pushes.map((p) => p.kind === 'event' && p.target)).toEqual(['OnMessageReceived', 'OnTypingIndicator']);
    expect(await deps.ephemeral.typingUsers(id)).toEqual([]);
  });

  it('when read marks move, then only forward and never past the last message, and delivery follows', async () => {
    const { deps, id } = await direct();
    for (let i = 0; i < 3; i++) await sendMessage(deps, alice, id, { content: `m${i}` });
    expect((await markRead(deps, bob, id, 99)).result).toMatchObject({ lastReadSeq: 3, unreadCount: 0 });
    const back = await markRead(deps, bob, id, 1);
    expect(back.result.lastReadSeq).toBe(3);
    expect(back.pushes).toEqual([]);
    const detail = await getMessageDetail(deps, alice, id, `${id}.2`);
    expect(detail.status).toBe('read');
  });

  it('when readers are in the receipt cache, then message detail needs no store read; with the cache down it still answers', async () => {
    const { deps, id } = await direct();
    await sendMessage(deps, alice, id, { content: 'm' });
    await markRead(deps, bob, id, 1);
    let reads = 0;
    const original = deps.store.getMembership.bind(deps.store);
    deps.store.getMembership = (u, c) => {
      reads++;
      return original(u, c);
    };
    expect((await getMessageDetail(deps, alice, id, `${id}.1`)).readBy.map((r) => r.userId)).toEqual(['bob']);
    expect(reads).toBe(0);
    deps.ephemeral.readMarks = () => Promise.reject(new Error('redis down'));
    expect((await getMessageDetail(deps, alice, id, `${id}.1`)).status).toBe('read');
    expect(reads).toBe(1);
  });

  it('when a recipient device confirms delivery, then the status is delivered and the sender is told', async () => {
    const { deps, id } = await direct();
    await sendMessage(deps, alice, id, { content: 'm' });
    expect((await getMessageDetail(deps, alice, id, `${id}.1`)).status).toBe('sent');
    const { pushes } = await markDelivered(deps, { userId: 'bob', connectionId: 'c1' }, id, 1);
    expect(pushes[0]).toMatchObject({ target: 'OnMessageDelivered', payload: { userId: 'bob', seq: 1 } });
    expect((await getMessageDetail(deps, alice, id, `${id}.1`)).status).toBe('delivered');
  });

  it('when messages are edited, deleted and reacted to, then the rules of who may do what hold', async () => {
    const { deps, id } = await direct();
    const { result } = await sendMessage(deps, alice, id, { content: 'v1' });
    const mid = result.message.id;
    expect(await kindOf(editMessage(deps, bob, id, mid, 'hack'))).toBe('forbidden:MESSAGE.NOT_SENDER');
    const edited = await editMessage(deps, alice, id, mid, 'v2');
    expect(edited.result.editHistory.map((e) => e.content)).toEqual(['v1']);
    await react(deps, bob, id, mid, '❤️', 'added');
    const twice = await react(deps, bob, id, mid, '❤️', 'added');
    expect(twice.result.reactions).toEqual({ '❤️': ['bob'] });
    expect(await kindOf(deleteMessage(deps, bob, id, mid, true))).toBe('forbidden:MESSAGE.NOT_SENDER');
    await deleteMessage(deps, bob, id, mid, false);
    expect((await listMessages(deps, bob, id, { limit: 50, includeDeleted: true })).messages).toEqual([]);
    expect((await listMessages(deps, alice, id, { limit: 50, includeDeleted: true })).messages).toHaveLength(1);
    await deleteMessage(deps, alice, id, mid, true);
    expect(await kindOf(editMessage(deps, alice, id, mid, 'v3'))).toBe('validation:MESSAGE.DELETED');
  });

  it('when blocked, then a direct conversation can neither be started nor used, either way', async () => {
    const { deps, id } = await direct();
    await blockUser(deps, bob, 'alice');
    expect(await kindOf(sendMessage(deps, alice, id, { content: 'x' }))).toBe('forbidden:USER.BLOCKED');
    expect(await kindOf(sendMessage(deps, bob, id, { content: 'x' }))).toBe('forbidden:USER.BLOCKED');
    expect(await kindOf(createConversation(deps, bob, { type: 'direct', participants: ['alice'] }))).toBe(
      'forbidden:USER.BLOCKED',
    );
  });

  it('when roles differ, then only admins add people, only owners add admins, and the owner role passes on', async () => {
    const { deps } = memoryDeps();
    const { result } = await createConversation(deps, alice, { type: 'group', participants: ['bob'], title: 'g' });
    const id = result.conversationId;
    expect(await kindOf(addParticipants(deps, bob, id, { userIds: ['carol'], role: 'member' }))).toBe(
      'forbidden:ROLE.REQUIRED',
    );
    await addParticipants(deps, alice, id, { userIds: ['carol'], role: 'admin' });
    expect(await kindOf(addParticipants(deps, { userId: 'carol' }, id, { userIds: ['dave'], role: 'admin' }))).toBe(
      'forbidden:ROLE.REQUIRED',
    );
    expect(await kindOf(removeParticipant(deps, { userId: 'carol' }, id, 'alice'))).toBe(
      'forbidden:ROLE.OWNER_PROTECTED',
    );
    await removeParticipant(deps, alice, id, 'alice');
    const conv = await deps.store.getConversation(id);
    expect(conv?.participants.find((p) => p.userId === 'carol')?.role).toBe('owner');
  });

  it('when a non-participant asks, then every use case answers not_found', async () => {
    const { deps, id } = await direct();
    const eve = { userId: 'eve', connectionId: 'x' };
    for (const p of [
      sendMessage(deps, eve, id, { content: 'x' }),
      markRead(deps, eve, id, 1),
      setTyping(deps, eve, id, true),
      joinConversation(deps, eve, id),
      updateMySettings(deps, eve, id, { pinned: true }),
      listMessages(deps, eve, id, { limit: 1, includeDeleted: false }),
    ]) {
      expect(await kindOf(p)).toBe('not_found:CONVERSATION.NOT_FOUND');
    }
  });

  it('when a conversation has a retention category, then its messages carry the ttl', async () => {
    const { deps } = memoryDeps();
    const { result } = await createConversation(deps, alice, {
      type: 'group',
      participants: ['bob'],
      category: 'customer-driver',
    });
    await sendMessage(deps, alice, result.conversationId, { content: 'on my way' });
    expect((await deps.store.getMessage(result.conversationId, `${result.conversationId}.1`))?.ttl).toBe(30 * 86_400);
  });
});

describe('presence announcements', () => {
  it('when a user who chose to appear offline connects, then nobody is told they are online', async () => {
    const { deps } = memoryDeps();
    await createConversation(deps, { userId: 'alice' }, { type: 'direct', participants: ['bob'] });
    const { connected } = await import('../../shared/app/realtime.js');
    expect(await connected(deps, { userId: 'alice', connectionId: 'c1' })).toEqual([
      expect.objectContaining({ target: 'UserOnline', to: { users: ['bob'] } }),
    ]);
    await deps.ephemeral.disconnect('alice', 'c1');
    await deps.ephemeral.setStatus('alice', 'offline', null);
    expect(await connected(deps, { userId: 'alice', connectionId: 'c2' })).toEqual([]);
  });
});
