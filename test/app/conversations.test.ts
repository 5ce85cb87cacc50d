import { describe, expect, it } from 'vitest';
import { createConversation } from '../../shared/app/conversations.js';
import { kindOf, memoryDeps } from '../support/deps.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const carol = { userId: 'carol' };

describe('creating conversations', () => {
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
    ).toBe('forbidden:CONVERSATION.CREATE_REFUSED');
  });

  it('when a participant joins, then their inbox entry starts with everything before it read and delivered', async () => {
    const { deps } = memoryDeps();
    const { result } = await createConversation(deps, alice, { type: 'group', participants: ['bob'], title: 'g' });
    expect(await deps.store.getMembership('bob', result.conversationId)).toMatchObject({
      role: 'member',
      lastSeq: 0,
      lastReadSeq: 0,
      lastDeliveredSeq: 0,
      muted: false,
      archived: false,
      pinned: false,
      notificationLevel: 'all',
      draft: null,
    });
  });
});
