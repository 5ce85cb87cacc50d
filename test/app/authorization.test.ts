import { describe, expect, it } from 'vitest';
import { blockUser, unblockUser } from '../../shared/app/blocks.js';
import { handleBookingEvent } from '../../shared/app/booking-events.js';
import { initiateCall, signalCall } from '../../shared/app/calls.js';
import { addParticipants, createConversation } from '../../shared/app/conversations.js';
import { editMessage, react, sendMessage } from '../../shared/app/messages.js';
import { subscribeChannel } from '../../shared/app/notifications.js';
import { getPresence, updatePresence } from '../../shared/app/presence.js';
import { setTyping } from '../../shared/app/typing.js';
import { bookingEvent } from '../support/booking.js';
import { kindOf, memoryDeps, withDirect, withGroup } from '../support/deps.js';
import { runMessageEvents } from '../support/pipeline.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const BLOCKED = 'forbidden:USER.BLOCKED';

describe('D1: blocks stop every interaction that reaches the other user', () => {
  it('D1: when the blocker or the blocked user types, calls, edits an old message, reacts or sends in their direct conversation, then each is refused with USER.BLOCKED', async () => {
    const { deps, id } = await withDirect();
    const old = await sendMessage(deps, bob, id, { content: 'before the block' });
    const hers = await sendMessage(deps, alice, id, { content: 'hers' });
    await blockUser(deps, alice, 'bob');
    for (const [actor, own, other] of [
      [bob, old, hers],
      [alice, hers, old],
    ] as const) {
      expect(await kindOf(setTyping(deps, actor, id, true))).toBe(BLOCKED);
      expect(await kindOf(initiateCall(deps, actor, id, 'audio'))).toBe(BLOCKED);
      expect(await kindOf(signalCall(deps, actor, id, 'call-1', 'accepted'))).toBe(BLOCKED);
      expect(await kindOf(editMessage(deps, actor, id, own.result.message.id, 'new text'))).toBe(BLOCKED);
      expect(await kindOf(react(deps, actor, id, other.result.message.id, '👍', 'added'))).toBe(BLOCKED);
      expect(await kindOf(sendMessage(deps, actor, id, { content: 'hi' }))).toBe(BLOCKED);
    }
    expect((await deps.store.getMessage(id, old.result.message.id))?.content).toBe('before the block');
    // stopping typing or ending a call only stops something; it stays allowed
    expect(await kindOf(setTyping(deps, bob, id, false))).toBe('ok');
    await deps.ephemeral.putCall(id, 'call-1', 60); // a call from before the block (made-up ids are CALL.NOT_FOUND)
    expect(await kindOf(signalCall(deps, bob, id, 'call-1', 'ended'))).toBe('ok');
  });

  it('D1: when the block is lifted, then typing, calls and edits work again', async () => {
    const { deps, id } = await withDirect();
    const old = await sendMessage(deps, bob, id, { content: 'x' });
    await blockUser(deps, alice, 'bob');
    await unblockUser(deps, alice, 'bob');
    expect(await kindOf(setTyping(deps, bob, id, true))).toBe('ok');
    expect(await kindOf(initiateCall(deps, bob, id, 'video'))).toBe('ok');
    expect(await kindOf(editMessage(deps, bob, id, old.result.message.id, 'y'))).toBe('ok');
    expect((await deps.store.getProfile('bob')).blockedBy ?? []).toEqual([]);
  });

  it('D1: when a blocked user creates a group with the blocker, or the blocker with them, then it is refused and nothing is created', async () => {
    const { deps } = memoryDeps();
    await blockUser(deps, alice, 'bob');
    for (const [actor, other] of [
      [bob, 'alice'],
      [alice, 'bob'],
    ] as const) {
      expect(
        await kindOf(createConversation(deps, actor, { type: 'group', participants: [other, 'carol'], title: 'g' })),
      ).toBe(BLOCKED);
      expect((await deps.store.allMemberships(actor.userId)).length).toBe(0);
    }
    expect(await kindOf(createConversation(deps, bob, { type: 'direct', participants: ['alice'] }))).toBe(BLOCKED);
  });

  it('D1: when an admin adds someone who blocked them, or whom they blocked, to a group, then it is refused and nobody is added', async () => {
    const { deps, id } = await withGroup();
    await blockUser(deps, { userId: 'dave' }, 'alice');
    await blockUser(deps, alice, 'erin');
    for (const target of ['dave', 'erin']) {
      expect(await kindOf(addParticipants(deps, alice, id, { userIds: ['carol', target], role: 'member' }))).toBe(
        BLOCKED,
      );
    }
    expect((await deps.store.getConversation(id))?.participants.map((p) => p.userId)).toEqual(['alice', 'bob']);
  });

  it('D1: when a blocked user types or calls in a group both were already in, then the blocker does not get the signal and the others do', async () => {
    const { deps, id } = await withGroup();
    await addParticipants(deps, alice, id, { userIds: ['carol'], role: 'member' });
    await blockUser(deps, alice, 'bob');
    // typing is OthersInGroup (the typer gets no echo) and hidden from the blocker: only carol
    const typing = await setTyping(deps, bob, id, true);
    expect(typing.pushes).toEqual([expect.objectContaining({ to: { users: ['carol'] } })]);
    const call = await initiateCall(deps, bob, id, 'audio');
    expect(call.pushes).toEqual([expect.objectContaining({ target: 'IncomingCall', to: { users: ['carol'] } })]);
    const end = await signalCall(deps, bob, id, call.result.callId, 'ended');
    expect(end.pushes).toEqual([expect.objectContaining({ to: { users: ['bob', 'carol'] } })]);
    // messages in the shared group still reach everyone (one history for all)
    const sent = await sendMessage(deps, bob, id, { content: 'hello all' });
    expect(sent.pushes[0]).toMatchObject({ to: { group: `conversation:${id}` } });
    // without a block the group gets it as a group, except the typer's connection (and, delivered per user, the typer)
    expect((await setTyping(deps, { userId: 'carol', connectionId: 'conn-c' }, id, true)).pushes[0]).toMatchObject({
      to: { group: `conversation:${id}`, except: ['conn-c'], exceptUser: 'carol' },
    });
  });
});

describe('D11, D12: idempotent sends are per sender and survive refusals', () => {
  it('D12: when a member reuses another member’s clientMessageId, then their own message is stored and the other’s is untouched', async () => {
    const { deps, id } = await withGroup();
    const hers = await sendMessage(deps, alice, id, { content: 'alice says', clientMessageId: 'cm-1' });
    const his = await sendMessage(deps, bob, id, { content: 'bob says', clientMessageId: 'cm-1' });
    expect(his.result.created).toBe(true);
    expect(his.result.message).toMatchObject({ senderId: 'bob', content: 'bob says', seq: 2 });
    expect((await sendMessage(deps, alice, id, { content: 'again', clientMessageId: 'cm-1' })).result.message).toEqual(
      hers.result.message,
    );
  });

  it('D11: when a stored send is retried while the sender is now blocked or its mention has left, then the stored message comes back; a new send is refused', async () => {
    const t = await withGroup();
    const { deps, id } = t;
    await addParticipants(deps, alice, id, { userIds: ['carol'], role: 'member' });
    const direct = await createConversation(deps, alice, { type: 'direct', participants: ['bob'] });
    const dm = direct.result.conversationId;
    const first = await sendMessage(deps, bob, dm, { content: 'hi', clientMessageId: 'cm-dm' });
    const mention = await sendMessage(deps, alice, id, {
      content: '@carol',
      mentions: ['carol'],
      clientMessageId: 'm',
    });
    await runMessageEvents(t);
    await blockUser(deps, alice, 'bob');
    const { removeParticipant } = await import('../../shared/app/conversations.js');
    await removeParticipant(deps, { userId: 'carol' }, id, 'carol');

    const retry = await sendMessage(deps, bob, dm, { content: 'hi', clientMessageId: 'cm-dm' });
    expect(retry).toEqual({ result: { message: first.result.message, tempId: 'cm-dm', created: false }, pushes: [] });
    const retried = await sendMessage(deps, alice, id, {
      content: '@carol',
      mentions: ['carol'],
      clientMessageId: 'm',
    });
    expect(retried.result).toMatchObject({ created: false, message: mention.result.message });
    expect(await kindOf(sendMessage(deps, bob, dm, { content: 'hi', clientMessageId: 'cm-new' }))).toBe(BLOCKED);
    expect(
      await kindOf(sendMessage(deps, alice, id, { content: '@carol', mentions: ['carol'], clientMessageId: 'm2' })),
    ).toBe('validation:MESSAGE.MENTION_NOT_PARTICIPANT');
  });

  it('D11: when a send passes every check, then the clientMessageId is not looked up (no extra read); when the rate limit refuses, then it is looked up by key, not by scanning messages', async () => {
    const { deps, id } = await withDirect({
      limits: { sendPerMinute: 1, typingPerMinute: 10, conversationsPerMinute: 10 },
    });
    const calls: string[] = [];
    const store = deps.store;
    for (const method of ['findByClientMessageId', 'listMessages'] as const) {
      const original = store[method].bind(store) as (...a: unknown[]) => Promise<unknown>;
      Object.assign(store, { [method]: (...a: unknown[]) => (calls.push(method), original(...a)) });
    }
    await sendMessage(deps, alice, id, { content: 'one', clientMessageId: 'cm-1' });
    expect(calls).toEqual([]);
    const retry = await sendMessage(deps, alice, id, { content: 'one', clientMessageId: 'cm-1' });
    expect(retry.result.created).toBe(false);
    expect(calls).toEqual(['findByClientMessageId']);
  });
});

describe('D13: an edit racing a delete for everyone', () => {
  it('D13: when a delete for everyone lands between the edit’s read and its write, then the edit is refused with 409 MESSAGE.DELETED and nothing is pushed', async () => {
    const { deps, id } = await withDirect();
    const sent = await sendMessage(deps, alice, id, { content: 'original' });
    const mid = sent.result.message.id;
    const store = deps.store;
    const update = store.updateMessage.bind(store);
    let raced = false;
    // the delete happens after editMessage read the message and before its conditional write
    store.updateMessage = async (c, m, mutate) => {
      if (!raced) {
        raced = true;
        await update(c, m, (x) => ({ ...x, isDeleted: true, deletedAt: 'now', deletedBy: 'alice' }));
      }
      return update(c, m, mutate);
    };
    expect(await kindOf(editMessage(deps, alice, id, mid, 'edited'))).toBe('conflict:MESSAGE.DELETED');
    const stored = await store.getMessage(id, mid);
    expect(stored).toMatchObject({ isDeleted: true, content: 'original', isEdited: false });
  });
});

describe('D2: notification channels have a grammar and a rule', () => {
  it('D2: when users subscribe to channels, then only the owner, participants, booking parties or anyone (configured topics) get in; anything else is refused', async () => {
    const { deps, id } = await withGroup();
    await handleBookingEvent(deps, bookingEvent({ bookingId: '123', customerId: 'alice', providerId: 'bob' }));
    const as = (userId: string, channel: string) =>
      kindOf(subscribeChannel(deps, { userId, connectionId: `c-${userId}` }, channel, true));
    const cases: [string, string, string][] = [
      ['alice', 'user:alice', 'ok'],
      ['mallory', 'user:alice', 'forbidden:CHANNEL.FORBIDDEN'],
      ['bob', `conversation:${id}`, 'ok'],
      ['mallory', `conversation:${id}`, 'forbidden:CHANNEL.FORBIDDEN'],
      ['mallory', 'conversation:nope', 'forbidden:CHANNEL.FORBIDDEN'],
      ['bob', 'booking:123', 'ok'],
      ['mallory', 'booking:123', 'forbidden:CHANNEL.FORBIDDEN'],
      ['mallory', 'booking:999', 'forbidden:CHANNEL.FORBIDDEN'],
      ['mallory', 'orders', 'ok'],
      ['mallory', 'booking-123', 'validation:CHANNEL.UNKNOWN'],
      ['mallory', 'payments', 'validation:CHANNEL.UNKNOWN'],
      ['mallory', 'team:1', 'validation:CHANNEL.UNKNOWN'],
    ];
    const outcomes = await Promise.all(cases.map(([user, channel]) => as(user, channel)));
    expect(outcomes).toEqual(cases.map(([, , expected]) => expected));
    // leaving a channel needs no check
    expect(await kindOf(subscribeChannel(deps, { userId: 'mallory', connectionId: 'c' }, 'booking:123', false))).toBe(
      'ok',
    );
  });
});

describe('D3: presence is visible only to people who share a conversation', () => {
  it('D3: when a stranger asks for a user’s presence, then it reads offline with no last seen, like an unknown id; a contact sees it', async () => {
    const { deps } = await withDirect();
    await deps.ephemeral.connect('alice', 'conn-a');
    await updatePresence(deps, alice, 'busy', 'in a meeting');
    const stranger = await getPresence(deps, { userId: 'mallory' }, ['alice', 'nobody']);
    const hidden = { status: 'offline', statusMessage: null, isOnline: false, lastSeen: null, connections: 0 };
    expect(stranger).toEqual({ alice: { userId: 'alice', ...hidden }, nobody: { userId: 'nobody', ...hidden } });
    const contact = await getPresence(deps, bob, ['alice']);
    expect(contact.alice).toMatchObject({
      status: 'busy',
      statusMessage: 'in a meeting',
      isOnline: true,
      connections: 1,
    });
    expect((await getPresence(deps, alice, ['alice'])).alice?.isOnline).toBe(true);
  });
});

describe('D4: booking conversations cannot be squatted', () => {
  it('D4: when a user tries to create a booking conversation first, then nothing is created (404, naming nothing) and the booking event later makes it with the real parties', async () => {
    const { deps } = memoryDeps();
    try {
      await createConversation(deps, { userId: 'squatter' }, { type: 'booking', bookingId: 'b7', participants: ['x'] });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ kind: 'not_found', code: 'CONVERSATION.NOT_FOUND' });
      expect(String((e as Error).message)).not.toMatch(/bk_b7|squatter|participant/);
    }
    expect(await deps.store.getConversation('bk_b7')).toBeNull();
    await handleBookingEvent(deps, bookingEvent({ bookingId: 'b7', customerId: 'alice', providerId: 'bob' }));
    const c = await deps.store.getConversation('bk_b7');
    expect(c?.participants.map((p) => [p.userId, p.role])).toEqual([
      ['alice', 'member'],
      ['bob', 'member'],
    ]);
    expect(c?.createdBy).toBe('system');
    expect(
      await kindOf(
        createConversation(deps, { userId: 'squatter' }, { type: 'booking', bookingId: 'b7', participants: ['x'] }),
      ),
    ).toBe('not_found:CONVERSATION.NOT_FOUND');
  });
});
