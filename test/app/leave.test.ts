import { describe, expect, it } from 'vitest';
import { listParticipants, removeParticipant } from '../../shared/app/conversations.js';
import { joinConversation, leaveConversation } from '../../shared/app/subscriptions.js';
import { kindOf, withDirect, withGroup } from '../support/deps.js';

describe('leaving', () => {
  it('when a connection leaves a conversation (LeaveConversation), then only that connection leaves its group', async () => {
    const { deps, id } = await withGroup();
    const bobOnPhone = { userId: 'bob', connectionId: 'phone' };
    expect((await joinConversation(deps, bobOnPhone, id)).pushes).toEqual([
      { kind: 'group', action: 'add', group: `conversation:${id}`, connectionId: 'phone' },
    ]);
    expect(leaveConversation(bobOnPhone, id)).toEqual({
      result: { conversationId: id },
      pushes: [{ kind: 'group', action: 'remove', group: `conversation:${id}`, connectionId: 'phone' }],
    });
    expect((await listParticipants(deps, { userId: 'bob' }, id)).participants.map((p) => p.userId)).toContain('bob');
  });

  it('when LeaveConversation comes without a realtime connection, then it is refused', () => {
    expect(() => leaveConversation({ userId: 'bob' }, 'c_1')).toThrow(
      expect.objectContaining({ kind: 'validation', code: 'HUB.CONNECTION_REQUIRED' }),
    );
  });

  it('when a member leaves the conversation, then they stop being a participant and everyone is told', async () => {
    const { deps, id } = await withGroup();
    const { pushes } = await removeParticipant(deps, { userId: 'bob' }, id, 'bob');
    expect(pushes).toEqual([
      expect.objectContaining({
        target: 'OnParticipantsChanged',
        to: { group: `conversation:${id}` },
        payload: expect.objectContaining({ removed: ['bob'], by: 'bob', reason: 'left' }),
      }),
      expect.objectContaining({
        target: 'ConversationUpdated',
        to: { users: ['bob'] },
        payload: expect.objectContaining({ reason: 'left' }),
      }),
      expect.objectContaining({
        target: 'OnMessageReceived',
        to: expect.objectContaining({ group: `conversation:${id}` }),
        payload: expect.objectContaining({
          type: 'system',
          systemMessageType: 'participant_left',
          systemMessageData: { userId: 'bob' },
          content: 'bob left',
        }),
      }),
      { kind: 'group', action: 'remove', group: `conversation:${id}`, userId: 'bob' },
    ]);
    expect(await deps.store.getMembership('bob', id)).toBeNull();
    expect(await kindOf(listParticipants(deps, { userId: 'bob' }, id))).toBe('not_found:CONVERSATION.NOT_FOUND');
  });

  it('when the owner leaves, then the role passes on; a direct conversation cannot be left', async () => {
    const { deps, id } = await withGroup();
    await removeParticipant(deps, { userId: 'alice' }, id, 'alice');
    expect((await listParticipants(deps, { userId: 'bob' }, id)).participants).toEqual([
      expect.objectContaining({ userId: 'bob', role: 'owner' }),
    ]);
    const direct = await withDirect();
    expect(await kindOf(removeParticipant(direct.deps, { userId: 'bob' }, direct.id, 'bob'))).toBe(
      'conflict:CONVERSATION.DIRECT_LEAVE',
    );
  });
});
