import { describe, expect, it } from 'vitest';
import { handleBookingEvent } from '../../shared/app/booking-events.js';
import { createConversation } from '../../shared/app/conversations.js';
import { bookingEvent } from '../support/booking.js';
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

  it('when someone outside a booking opens or creates its conversation, then they get the 404 of any conversation they cannot see; the parties open it', async () => {
    const { deps } = memoryDeps();
    await handleBookingEvent(deps, bookingEvent({ bookingId: 'b42', customerId: 'alice', providerId: 'bob' }));
    const again = await createConversation(deps, bob, { type: 'booking', bookingId: 'b42', participants: ['alice'] });
    expect(again.result).toMatchObject({ created: false, conversationId: 'bk_b42' });
    expect(
      await kindOf(createConversation(deps, carol, { type: 'booking', bookingId: 'b42', participants: ['alice'] })),
    ).toBe('not_found:CONVERSATION.NOT_FOUND');
    expect(
      await kindOf(createConversation(deps, carol, { type: 'booking', bookingId: 'b43', participants: ['alice'] })),
    ).toBe('not_found:CONVERSATION.NOT_FOUND');
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
