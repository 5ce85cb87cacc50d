import { describe, expect, it } from 'vitest';
import { blockUser } from '../../shared/app/blocks.js';
import { createConversation } from '../../shared/app/conversations.js';
import { listInbox } from '../../shared/app/inbox.js';
import { listMessages } from '../../shared/app/message-reads.js';
import { deleteMessage, editMessage, react, sendMessage } from '../../shared/app/messages.js';
import { setTyping } from '../../shared/app/typing.js';
import { AppError } from '../../shared/domain/errors.js';
import { kindOf, memoryDeps, withDirect } from '../support/deps.js';
import { runMessageEvents } from '../support/pipeline.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };

describe('sending and changing messages', () => {
  it('when a message is sent, then it is pushed to the group with its tempId and unread counts move', async () => {
    const t = await withDirect();
    const { deps, id } = t;
    const { result, pushes } = await sendMessage(deps, alice, id, { content: 'hi', clientMessageId: 't1' });
    expect(result.message.seq).toBe(1);
    expect(pushes).toEqual([
      expect.objectContaining({
        target: 'OnMessageReceived',
        // the participants the send loaded ride along, so delivery planning reads nothing more
        to: { group: `conversation:${id}`, participants: ['alice', 'bob'] },
        payload: expect.objectContaining({ seq: 1, tempId: 't1' }),
      }),
    ]);
    await runMessageEvents(t);
    const again = await sendMessage(deps, alice, id, { content: 'hi', clientMessageId: 't1' });
    expect(again).toMatchObject({ result: { created: false, message: { seq: 1 } }, pushes: [] });
    expect((await listInbox(deps, bob, { type: 'all', archived: false, pageSize: 20 })).unreadTotal).toBe(1);
    expect((await listInbox(deps, alice, { type: 'all', archived: false, pageSize: 20 })).unreadTotal).toBe(0);
  });

  it('when the send rate is exceeded, then the sender gets rate_limited with a retry-after and nothing is stored', async () => {
    const { deps } = memoryDeps({ limits: { sendPerMinute: 3, typingPerMinute: 10, conversationsPerMinute: 10 } });
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

  it('when a message is sent while typing, then typing is cleared and others are told', async () => {
    const { deps, id } = await withDirect();
    await setTyping(deps, alice, id, true);
    const { pushes } = await sendMessage(deps, alice, id, { content: 'done typing' });
    expect(pushes.map((p) => p.kind === 'event' && p.target)).toEqual(['OnMessageReceived', 'OnTypingIndicator']);
    expect(await deps.ephemeral.typingUsers(id)).toEqual([]);
  });

  it('when messages are edited, deleted and reacted to, then the rules of who may do what hold', async () => {
    const { deps, id } = await withDirect();
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
    expect(await kindOf(editMessage(deps, alice, id, mid, 'v3'))).toBe('conflict:MESSAGE.DELETED');
  });

  it('when blocked, then a direct conversation can neither be started nor used, either way', async () => {
    const { deps, id } = await withDirect();
    await blockUser(deps, bob, 'alice');
    expect(await kindOf(sendMessage(deps, alice, id, { content: 'x' }))).toBe('forbidden:USER.BLOCKED');
    expect(await kindOf(sendMessage(deps, bob, id, { content: 'x' }))).toBe('forbidden:USER.BLOCKED');
    expect(await kindOf(createConversation(deps, bob, { type: 'direct', participants: ['alice'] }))).toBe(
      'forbidden:USER.BLOCKED',
    );
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
