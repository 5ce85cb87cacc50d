import { describe, expect, it } from 'vitest';
import { addParticipants, changeRole, removeParticipant, updateConversation } from '../../shared/app/conversations.js';
import { registerDevice } from '../../shared/app/devices.js';
import { listMessages } from '../../shared/app/message-reads.js';
import { checkWire, wireEvents } from '../../shared/contracts/index.js';
import { EVENTS } from '../../shared/domain/events.js';
import { withGroup } from '../support/deps.js';
import { runMessageEvents, runPushJobs } from '../support/pipeline.js';

const alice = { userId: 'alice' };
const page = { limit: 50, includeDeleted: false } as const;

describe('typed system messages (systemMessageType + systemMessageData)', () => {
  it('when members are added, removed, promoted, leave and the title changes, then each change is a typed system message in seq order', async () => {
    const t = await withGroup();
    const { deps, id } = t;
    await addParticipants(deps, alice, id, { userIds: ['carol', 'dave'], role: 'member' });
    await changeRole(deps, alice, id, { userId: 'carol', role: 'admin' });
    await changeRole(deps, alice, id, { userId: 'carol', role: 'admin' }); // no change: no message
    await updateConversation(deps, alice, id, { title: 'Trip' });
    await updateConversation(deps, alice, id, { description: 'only the description' }); // no title change
    await removeParticipant(deps, alice, id, 'dave');
    await removeParticipant(deps, { userId: 'bob' }, id, 'bob');
    const { messages } = await listMessages(deps, alice, id, page);
    expect(messages.map((m) => [m.seq, m.type, m.senderId, m.systemMessageType, m.systemMessageData])).toEqual([
      [1, 'system', 'alice', 'participant_added', { actorId: 'alice', userIds: ['carol', 'dave'], role: 'member' }],
      [
        2,
        'system',
        'alice',
        'role_changed',
        { actorId: 'alice', userId: 'carol', role: 'admin', previousRole: 'member' },
      ],
      [3, 'system', 'alice', 'title_changed', { actorId: 'alice', oldTitle: 'g', newTitle: 'Trip' }],
      [4, 'system', 'alice', 'participant_removed', { actorId: 'alice', userId: 'dave' }],
      [5, 'system', 'bob', 'participant_left', { userId: 'bob' }],
    ]);
    expect(messages.map((m) => m.content)).toEqual([
      'alice added carol, dave',
      'alice made carol an admin',
      'alice changed the title to "Trip"',
      'alice removed dave',
      'bob left',
    ]);
  });

  it('when a membership system message is fanned out, then it moves inboxes but buzzes no phone', async () => {
    const t = await withGroup();
    await registerDevice(t.deps, { userId: 'bob' }, { platform: 'fcm', token: 'tok-bob' });
    await addParticipants(t.deps, alice, t.id, { userIds: ['carol'], role: 'member' });
    await runMessageEvents(t);
    expect(await runPushJobs(t, new Date(t.deps.clock.now().getTime() + 60_000))).toEqual([]);
    expect((await t.deps.store.getMembership('bob', t.id))?.lastSeq).toBe(1);
  });

  it('when a typed system message is pushed, then every dialect that can carry it does, and it passes its schema', async () => {
    const t = await withGroup();
    const { pushes } = await addParticipants(t.deps, alice, t.id, { userIds: ['carol'], role: 'member' });
    const push = pushes.find((p) => p.kind === 'event' && p.target === EVENTS.messageReceived);
    if (push?.kind !== 'event') throw new Error('no OnMessageReceived');
    for (const dialect of ['listo', 'spec'] as const) {
      const wire = wireEvents(dialect, EVENTS.messageReceived, push.payload);
      if (!wire.ok) throw new Error(wire.error);
      const first = wire.events[0];
      expect(first && checkWire(dialect, 'messaging', first)).toBeUndefined();
      const arg = first?.args[0] as Record<string, unknown>;
      const message = (dialect === 'spec' ? arg.message : arg) as Record<string, unknown>;
      expect(message).toMatchObject({
        systemMessageType: 'participant_added',
        systemMessageData: { actorId: 'alice', userIds: ['carol'], role: 'member' },
      });
    }
  });
});
