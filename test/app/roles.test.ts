import { describe, expect, it } from 'vitest';
import {
  addParticipants,
  changeRole,
  createConversation,
  listParticipants,
  removeParticipant,
} from '../../shared/app/conversations.js';
import { kindOf, memoryDeps, withDirect, withGroup } from '../support/deps.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const carol = { userId: 'carol' };

const roleOf = async (deps: ReturnType<typeof memoryDeps>['deps'], id: string, userId: string) =>
  (await listParticipants(deps, alice, id)).participants.find((p) => p.userId === userId)?.role;

describe('participant roles', () => {
  it('when roles differ, then only admins add people, only owners add admins, and the owner role passes on', async () => {
    const { deps } = memoryDeps();
    const { result } = await createConversation(deps, alice, { type: 'group', participants: ['bob'], title: 'g' });
    const id = result.conversationId;
    expect(await kindOf(addParticipants(deps, bob, id, { userIds: ['carol'], role: 'member' }))).toBe(
      'forbidden:ROLE.REQUIRED',
    );
    await addParticipants(deps, alice, id, { userIds: ['carol'], role: 'admin' });
    expect(await kindOf(addParticipants(deps, carol, id, { userIds: ['dave'], role: 'admin' }))).toBe(
      'forbidden:ROLE.REQUIRED',
    );
    expect(await kindOf(removeParticipant(deps, carol, id, 'alice'))).toBe('forbidden:ROLE.OWNER_PROTECTED');
    await removeParticipant(deps, alice, id, 'alice');
    const conv = await deps.store.getConversation(id);
    expect(conv?.participants.find((p) => p.userId === 'carol')?.role).toBe('owner');
  });

  it('when the owner makes someone admin, then participants and their inbox show it and the group is told', async () => {
    const { deps, id } = await withGroup();
    const { result, pushes } = await changeRole(deps, alice, id, { userId: 'bob', role: 'admin' });
    expect(result.participants.find((p) => p.userId === 'bob')?.role).toBe('admin');
    expect(await roleOf(deps, id, 'bob')).toBe('admin');
    expect((await deps.store.getMembership('bob', id))?.role).toBe('admin');
    expect(pushes).toEqual([
      expect.objectContaining({
        target: 'OnParticipantsChanged',
        to: { group: `conversation:${id}` },
        payload: expect.objectContaining({ changed: [{ userId: 'bob', role: 'admin' }], by: 'alice' }),
      }),
      expect.objectContaining({
        target: 'OnMessageReceived',
        payload: expect.objectContaining({
          senderId: 'alice',
          systemMessageType: 'role_changed',
          systemMessageData: { actorId: 'alice', userId: 'bob', role: 'admin', previousRole: 'member' },
        }),
      }),
    ]);
    await changeRole(deps, alice, id, { userId: 'bob', role: 'member' });
    expect(await roleOf(deps, id, 'bob')).toBe('member');
  });

  it('when an admin or a member tries to change roles, then they are refused and nothing changes', async () => {
    const { deps, id } = await withGroup();
    await addParticipants(deps, alice, id, { userIds: ['carol', 'dave'], role: 'member' });
    await changeRole(deps, alice, id, { userId: 'carol', role: 'admin' });
    expect(await kindOf(changeRole(deps, carol, id, { userId: 'dave', role: 'admin' }))).toBe(
      'forbidden:ROLE.REQUIRED',
    );
    expect(await kindOf(changeRole(deps, carol, id, { userId: 'bob', role: 'member' }))).toBe(
      'forbidden:ROLE.REQUIRED',
    );
    expect(await kindOf(changeRole(deps, bob, id, { userId: 'carol', role: 'member' }))).toBe(
      'forbidden:ROLE.REQUIRED',
    );
    expect(await roleOf(deps, id, 'dave')).toBe('member');
    expect(await roleOf(deps, id, 'carol')).toBe('admin');
  });

  it('when the owner changes their own role, someone absent, or a direct conversation, then it is refused', async () => {
    const { deps, id } = await withGroup();
    expect(await kindOf(changeRole(deps, alice, id, { userId: 'alice', role: 'member' }))).toBe('validation:ROLE.SELF');
    expect(await kindOf(changeRole(deps, alice, id, { userId: 'zed', role: 'admin' }))).toBe(
      'not_found:PARTICIPANT.NOT_FOUND',
    );
    expect(await roleOf(deps, id, 'alice')).toBe('owner');
    const direct = await withDirect();
    expect(await kindOf(changeRole(direct.deps, alice, direct.id, { userId: 'bob', role: 'admin' }))).toBe(
      'validation:CONVERSATION.DIRECT_ROLES',
    );
  });
});
