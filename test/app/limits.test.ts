import { describe, expect, it } from 'vitest';
import { MemoryEphemeralState } from '../../shared/adapters/memory/memory-ephemeral.js';
import { initiateCall, signalCall } from '../../shared/app/calls.js';
import { addParticipants, createConversation } from '../../shared/app/conversations.js';
import { listInbox } from '../../shared/app/inbox.js';
import { react, sendMessage } from '../../shared/app/messages.js';
import { getPresence, ping, updatePresence } from '../../shared/app/presence.js';
import { RATE_POLICY } from '../../shared/app/rate-policy.js';
import { setTyping } from '../../shared/app/typing.js';
import { kindOf, memoryDeps, withGroup } from '../support/deps.js';

const alice = { userId: 'alice' };
const bob = { userId: 'bob' };
const inbox = { type: 'all', archived: false, pageSize: 20 } as const;

describe('D10: create with an initial message while rate-limited', () => {
  it('D10: when the sender is over the send limit, then create answers 429 and creates nothing; the retry creates the conversation and sends the initial message', async () => {
    let now = Date.now();
    const ephemeral = new MemoryEphemeralState({ now: () => now });
    const { deps } = memoryDeps({
      ephemeral,
      limits: { sendPerMinute: 1, typingPerMinute: 10, conversationsPerMinute: 10 },
    });
    const { result: other } = await createConversation(deps, alice, { type: 'group', participants: ['carol'] });
    await sendMessage(deps, alice, other.conversationId, { content: 'uses the only token' });
    const body = { type: 'direct' as const, participants: ['bob'], initialMessage: 'hello bob' };
    expect(await kindOf(createConversation(deps, alice, body))).toBe('rate_limited:RATE_LIMITED');
    expect((await listInbox(deps, bob, inbox)).conversations).toEqual([]);
    now += 60_000;
    const retry = await createConversation(deps, alice, body);
    expect(retry.result.created).toBe(true);
    expect(retry.result.conversation).toMatchObject({ lastSeq: 1, lastMessage: { preview: 'hello bob' } });
    expect((await listInbox(deps, bob, inbox)).unreadTotal).toBe(1);
  });
});

describe('D7: every signal that reaches other participants is rate-limited; calls must be real', () => {
  it('D7: when a user ends, accepts or declines a made-up call id, then it is refused with CALL.NOT_FOUND and nothing is pushed', async () => {
    const { deps, id } = await withGroup();
    for (const what of ['accepted', 'declined', 'ended'] as const) {
      expect(await kindOf(signalCall(deps, bob, id, 'made-up', what))).toBe('not_found:CALL.NOT_FOUND');
    }
    const { result } = await initiateCall(deps, alice, id, 'audio');
    expect((await signalCall(deps, bob, id, result.callId, 'accepted')).pushes).toHaveLength(1);
    expect((await signalCall(deps, alice, id, result.callId, 'ended')).pushes).toHaveLength(1);
    expect(await kindOf(signalCall(deps, bob, id, result.callId, 'ended'))).toBe('not_found:CALL.NOT_FOUND');
    const { result: elsewhere } = await createConversation(deps, alice, { type: 'group', participants: ['bob'] });
    const call = await initiateCall(deps, alice, elsewhere.conversationId, 'video');
    // a real call id of another conversation is not a call of this one
    expect(await kindOf(signalCall(deps, bob, id, call.result.callId, 'accepted'))).toBe('not_found:CALL.NOT_FOUND');
  });

  it('D7: when a user initiates 100 calls, then only the first few ring (5 a minute) and the rest are refused with retry-after', async () => {
    const { deps, id } = await withGroup();
    const outcomes = [];
    for (let i = 0; i < 100; i++) outcomes.push(await kindOf(initiateCall(deps, alice, id, 'audio')));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(RATE_POLICY.callStart.perMinute());
    expect(outcomes.filter((o) => o === 'rate_limited:RATE_LIMITED')).toHaveLength(95);
  });

  it('D7: when a user sends 100 StopTyping, then at most the typing limit is pushed and the rest are dropped silently', async () => {
    const { deps, id } = await withGroup();
    let pushed = 0;
    for (let i = 0; i < 100; i++) pushed += (await setTyping(deps, alice, id, false)).pushes.length;
    expect(pushed).toBe(deps.limits.typingPerMinute);
  });

  it('D7: when a user toggles a reaction 100 times, then 60 go through and the rest are refused with 429', async () => {
    const { deps, id } = await withGroup();
    const { result } = await sendMessage(deps, bob, id, { content: 'x' });
    const outcomes: string[] = [];
    for (let i = 0; i < 100; i++)
      outcomes.push(await kindOf(react(deps, alice, id, result.message.id, '👍', i % 2 ? 'removed' : 'added')));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(60);
    expect(outcomes.slice(60).every((o) => o === 'rate_limited:RATE_LIMITED')).toBe(true);
  });

  it('D7: when a user updates presence 100 times, then 10 reach the contacts and the rest are refused with 429', async () => {
    const { deps } = await withGroup();
    const outcomes: string[] = [];
    for (let i = 0; i < 100; i++) outcomes.push(await kindOf(updatePresence(deps, alice, 'away', `m${i}`)));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(10);
  });
});

describe('D8: conversation creation and participant additions are limited per user', () => {
  it('D8: when a user creates 300 groups with the same victim, then 10 are created and the rest are refused before anything is written', async () => {
    const { deps } = memoryDeps();
    const outcomes: string[] = [];
    for (let i = 0; i < 300; i++)
      outcomes.push(await kindOf(createConversation(deps, alice, { type: 'group', participants: ['victim'] })));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(10);
    expect(outcomes.filter((o) => o === 'rate_limited:RATE_LIMITED')).toHaveLength(290);
    expect((await listInbox(deps, { userId: 'victim' }, { ...inbox, pageSize: 100 })).conversations).toHaveLength(10);
  });

  it('D8: when an admin adds participants over and over, then additions share the same limit', async () => {
    const { deps, id } = await withGroup(); // creating it took one token
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++)
      outcomes.push(await kindOf(addParticipants(deps, alice, id, { userIds: [`u${i}`], role: 'member' })));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(9);
  });
});

describe('D9: presence degrades when Redis is down and heals when it comes back empty', () => {
  it('D9: when the ephemeral state fails, then presence get and update answer unavailable (503) with a retry-after', async () => {
    const { deps } = memoryDeps();
    deps.ephemeral.getPresence = () => Promise.reject(new Error('redis down'));
    deps.ephemeral.setStatus = () => Promise.reject(new Error('redis down'));
    expect(await kindOf(getPresence(deps, alice, ['alice']))).toBe('unavailable:EPHEMERAL.UNAVAILABLE');
    const err = await updatePresence(deps, alice, 'away', null).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unavailable', extra: { retryAfterSeconds: 5 } });
  });

  it('D9: when the state forgot a live connection (Redis restarted empty), then its next Ping registers it again and the user is online', async () => {
    const { deps } = memoryDeps();
    const before = deps.ephemeral;
    await before.connect('alice', 'c1');
    deps.ephemeral = new MemoryEphemeralState(); // the restart: nothing is known
    expect((await getPresence(deps, alice, ['alice'])).alice).toMatchObject({ isOnline: false });
    await ping(deps, { userId: 'alice', connectionId: 'c1' });
    expect((await getPresence(deps, alice, ['alice'])).alice).toMatchObject({ isOnline: true, connections: 1 });
    await ping(deps, { userId: 'alice', connectionId: 'c1' });
    expect((await getPresence(deps, alice, ['alice'])).alice).toMatchObject({ isOnline: true, connections: 1 });
  });
});
