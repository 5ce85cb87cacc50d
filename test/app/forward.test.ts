import { describe, expect, it } from 'vitest';
import { blockUser } from '../../shared/app/blocks.js';
import { createConversation } from '../../shared/app/conversations.js';
import { forwardClientMessageId, forwardMessage } from '../../shared/app/forward.js';
import { listMessages } from '../../shared/app/message-reads.js';
import { deleteMessage, sendMessage } from '../../shared/app/messages.js';
import { kindOf, withGroup } from '../support/deps.js';
import { runMessageEvents } from '../support/pipeline.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const page = { limit: 50, includeDeleted: false } as const;

async function world() {
  const t = await withGroup();
  const direct = await createConversation(t.deps, bob, { type: 'direct', participants: ['carol'] });
  const other = await createConversation(t.deps, bob, { type: 'group', participants: ['dave'], title: 'h' });
  const sent = await sendMessage(t.deps, alice, t.id, { content: 'look at this' });
  return {
    ...t,
    direct: direct.result.conversationId,
    other: other.result.conversationId,
    original: sent.result.message,
  };
}

describe('forwarding', () => {
  it('when bob forwards a message into two conversations, then each gets a new message marked forwarded from the original, pushed like a send', async () => {
    const { deps, id, direct, other, original } = await world();
    const { result, pushes } = await forwardMessage(deps, bob, id, original.id, [direct, other, direct]);
    expect(result.created).toBe(true);
    expect(result.messages).toEqual([
      expect.objectContaining({
        conversationId: direct,
        seq: 1,
        senderId: 'bob',
        content: 'look at this',
        isForwarded: true,
        forwardedFromId: original.id,
      }),
      expect.objectContaining({
        conversationId: other,
        seq: 1,
        senderId: 'bob',
        isForwarded: true,
        forwardedFromId: original.id,
      }),
    ]);
    expect(result.messages[0]?.clientMessageId).toBe(forwardClientMessageId(original.id));
    expect(pushes.filter((p) => p.kind === 'event' && p.target === 'OnMessageReceived')).toHaveLength(2);
    const seen = (await listMessages(deps, { userId: 'carol' }, direct, page)).messages;
    expect(seen).toEqual([expect.objectContaining({ isForwarded: true, forwardedFromId: original.id })]);
    // why: message ids name their conversation, so forwardedFromId is the one trace of it (accepted); nothing else
    const { forwardedFromId: _origin, ...rest } = seen[0] ?? {};
    expect(JSON.stringify(rest)).not.toContain(id);
    // a forward of a forward names the first original
    const again = await forwardMessage(deps, { userId: 'carol' }, direct, `${direct}.1`, [direct]);
    expect(again.result.messages[0]).toMatchObject({ forwardedFromId: original.id, seq: 2 });
  });

  it('when the same forward is retried, then the first copies come back and nothing new is stored or pushed', async () => {
    const w = await world();
    const { deps, id, direct, original } = w;
    await forwardMessage(deps, bob, id, original.id, [direct]);
    await runMessageEvents(w); // the copies' side effects are done: a retry re-emits nothing
    const retry = await forwardMessage(deps, bob, id, original.id, [direct]);
    expect(retry.result.created).toBe(false);
    expect(retry.result.messages[0]?.seq).toBe(1);
    expect(retry.pushes).toEqual([]);
    expect((await deps.store.getConversation(direct))?.lastSeq).toBe(1);
  });

  it('when the source cannot be seen or a target is not the caller’s or blocked, then it is refused and nothing is sent', async () => {
    const { deps, id, direct, other, original } = await world();
    expect(await kindOf(forwardMessage(deps, { userId: 'carol' }, id, original.id, [direct]))).toBe(
      'not_found:CONVERSATION.NOT_FOUND',
    );
    await deleteMessage(deps, bob, id, original.id, false);
    expect(await kindOf(forwardMessage(deps, bob, id, original.id, [direct]))).toBe('not_found:MESSAGE.NOT_FOUND');
    const second = await sendMessage(deps, alice, id, { content: 'second' });
    const stranger = await createConversation(deps, alice, { type: 'group', participants: ['erin'], title: 'x' });
    expect(
      await kindOf(forwardMessage(deps, bob, id, second.result.message.id, [other, stranger.result.conversationId])),
    ).toBe('not_found:CONVERSATION.NOT_FOUND');
    await blockUser(deps, { userId: 'carol' }, 'bob');
    expect(await kindOf(forwardMessage(deps, bob, id, second.result.message.id, [other, direct]))).toBe(
      'forbidden:USER.BLOCKED',
    );
    expect((await deps.store.getConversation(other))?.lastSeq).toBe(0);
    await deleteMessage(deps, alice, id, second.result.message.id, true);
    expect(await kindOf(forwardMessage(deps, bob, id, second.result.message.id, [other]))).toBe(
      'validation:MESSAGE.DELETED',
    );
  });
});
