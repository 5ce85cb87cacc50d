import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registerDevice, setPushPreferences } from '../../shared/app/devices.js';
import { sendMessage } from '../../shared/app/messages.js';
import { type PushVerdict, pushVerdict } from '../../shared/app/push-notifications.js';
import { markDelivered } from '../../shared/app/receipts.js';
import { withGroup } from '../support/deps.js';
import { runMessageEvents, runPushJobs } from '../support/pipeline.js';

const NOW = '2026-11-22T10:00:00.000Z';
const member = {
  muted: false,
  mutedUntil: null,
  notificationLevel: 'all' as const,
  lastDeliveredSeq: 0,
  lastReadSeq: 0,
};
const base = {
  recipientId: 'bob',
  senderId: 'alice',
  seq: 7,
  mentions: [] as string[],
  phase: 'now' as const,
  membership: member,
  profile: { blocked: [], blockedBy: [] },
  now: NOW,
};

const table: [string, Partial<Parameters<typeof pushVerdict>[0]>, PushVerdict][] = [
  ['an offline recipient', {}, 'push'],
  ['the sender', { recipientId: 'alice' }, 'sender'],
  ['someone who left', { membership: null }, 'not-member'],
  [
    'online, marked delivered within the grace',
    { phase: 'grace', membership: { ...member, lastDeliveredSeq: 7 } },
    'delivered',
  ],
  ['online, read it within the grace', { phase: 'grace', membership: { ...member, lastReadSeq: 9 } }, 'delivered'],
  ['online, not delivered after the grace', { phase: 'grace', membership: { ...member, lastDeliveredSeq: 6 } }, 'push'],
  ['muted for good', { membership: { ...member, muted: true } }, 'muted'],
  ['muted until later', { membership: { ...member, muted: true, mutedUntil: '2026-11-23T00:00:00.000Z' } }, 'muted'],
  ['a mute that has ended', { membership: { ...member, muted: true, mutedUntil: '2026-11-21T00:00:00.000Z' } }, 'push'],
  ['level none', { membership: { ...member, notificationLevel: 'none' } }, 'level-none'],
  ['level mentions, not mentioned', { membership: { ...member, notificationLevel: 'mentions' } }, 'not-mentioned'],
  [
    'level mentions, mentioned',
    { mentions: ['bob'], membership: { ...member, notificationLevel: 'mentions' } },
    'push',
  ],
  [
    'recipient blocks the sender',
    { profile: { blocked: [{ userId: 'alice', reason: null, blockedAt: NOW }] } },
    'blocked',
  ],
  ['sender blocks the recipient', { profile: { blocked: [], blockedBy: ['alice'] } }, 'blocked'],
  [
    'push turned off',
    { profile: { blocked: [], push: { pushEnabled: false, privatePreviews: false } } },
    'push-disabled',
  ],
];

describe('push notification rules', () => {
  it.each(table)('%s', (_what, over, verdict) => {
    expect(pushVerdict({ ...base, ...over })).toBe(verdict);
  });

  it('whatever the membership and profile, the sender never gets a push and a push is never made to a muted, level-none or blocking recipient', () => {
    const level = fc.constantFrom('all' as const, 'mentions' as const, 'none' as const);
    fc.assert(
      fc.property(
        fc.boolean(),
        level,
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('now' as const, 'grace' as const),
        fc.nat(10),
        (muted, notificationLevel, blocks, mentioned, phase, delivered) => {
          const input = {
            ...base,
            phase,
            mentions: mentioned ? ['bob'] : [],
            membership: { ...member, muted, notificationLevel, lastDeliveredSeq: delivered },
            profile: { blocked: blocks ? [{ userId: 'alice', reason: null, blockedAt: NOW }] : [] },
          };
          expect(pushVerdict({ ...input, recipientId: 'alice' })).toBe('sender');
          if (pushVerdict(input) === 'push') {
            expect(muted || notificationLevel === 'none' || blocks).toBe(false);
            if (phase === 'grace') expect(delivered).toBeLessThan(base.seq);
          }
        },
      ),
    );
  });

  it('when a message reaches offline and online members, then offline ones are pushed at once, online ones after the grace unless delivered; badge, collapse key and private previews apply', async () => {
    const t = await withGroup();
    const { addParticipants } = await import('../../shared/app/conversations.js');
    await addParticipants(t.deps, { userId: 'alice' }, t.id, { userIds: ['carol'], role: 'member' });
    for (const u of ['alice', 'bob', 'carol'])
      await registerDevice(t.deps, { userId: u }, { platform: 'fcm', token: `tok-${u}` });
    await registerDevice(t.deps, { userId: 'bob' }, { platform: 'apns', token: 'stale-old', deviceId: 'old' });
    await setPushPreferences(t.deps, { userId: 'bob' }, { privatePreviews: true });
    await t.deps.ephemeral.connect('carol', 'conn-c');

    await sendMessage(t.deps, { userId: 'alice' }, t.id, { content: 'first' });
    await sendMessage(t.deps, { userId: 'alice' }, t.id, { content: 'second' });
    await runMessageEvents(t);
    const now = t.deps.clock.now();
    expect((await runPushJobs(t, now)).sort()).toEqual(['bob', 'bob']);
    // carol was online: she marks the first delivered within the grace, not the second (seq 1: "alice added carol")
    await markDelivered(t.deps, { userId: 'carol' }, t.id, 2);
    expect(await runPushJobs(t, now)).toEqual([]);
    expect(await runPushJobs(t, new Date(now.getTime() + 5_000))).toEqual(['carol']);

    const bobs = t.deps.push.recorded?.('bob') ?? [];
    expect(bobs.map((n) => [n.seq, n.body, n.badge, n.collapseKey, n.platform])).toEqual([
      [2, 'New message', 3, `conversation:${t.id}`, 'fcm'],
      [3, 'New message', 3, `conversation:${t.id}`, 'fcm'],
    ]);
    expect(t.deps.push.recorded?.('carol')).toMatchObject([{ seq: 3, body: 'second', title: 'g' }]);
    expect(t.deps.push.recorded?.('alice')).toEqual([]);
    // the stale token was reported by the service and removed
    expect(await t.deps.push.unregister('bob', 'old')).toBe(false);
  });
});
