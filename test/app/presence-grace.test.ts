import { describe, expect, it } from 'vitest';
import { MemoryEphemeralState } from '../../shared/adapters/memory/memory-ephemeral.js';
import { createConversation } from '../../shared/app/conversations.js';
import { connected, disconnected } from '../../shared/app/presence.js';
import { announceOfflineDue } from '../../shared/app/presence-grace.js';
import type { Push } from '../../shared/domain/events.js';
import { memoryDeps } from '../support/deps.js';

/**
 * The offline grace on the memory twin with a clock the test moves (the ephemeral state dates marks and judges
 * their age on it, as Redis does on its own clock). Alice shares a direct conversation with bob and a group with carol.
 */
async function setup(graceSeconds = 5) {
  let now = Date.parse('2026-11-22T10:00:00.000Z');
  const ephemeral = new MemoryEphemeralState({ now: () => now });
  const t = memoryDeps({ ephemeral, presenceOfflineGraceSeconds: graceSeconds });
  await createConversation(t.deps, { userId: 'alice' }, { type: 'direct', participants: ['bob'] });
  await createConversation(t.deps, { userId: 'alice' }, { type: 'group', participants: ['carol'], title: 'g' });
  const advance = (ms: number) => {
    now += ms;
  };
  const at = () => new Date(now).toISOString();
  return { ...t, ephemeral, advance, at };
}

const alice = (connectionId: string) => ({ userId: 'alice', connectionId });
/** The presence events among pushes, as `target → sorted recipients`. */
const presenceEvents = (pushes: Push[]) =>
  pushes
    .filter((p) => p.kind === 'event' && (p.target === 'UserOnline' || p.target === 'UserOffline'))
    .map((p) => ({
      target: p.kind === 'event' ? p.target : '',
      payload: p.kind === 'event' ? p.payload : {},
      to: p.kind === 'event' && 'users' in p.to ? [...p.to.users].sort() : [],
    }));

describe('offline grace: a reconnect within it is invisible to contacts', () => {
  it('when a user reconnects within the grace, then contacts get neither UserOffline nor UserOnline', async () => {
    const { deps, advance } = await setup();
    expect(presenceEvents(await connected(deps, alice('c1')))).toEqual([
      { target: 'UserOnline', payload: { userId: 'alice', status: 'online' }, to: ['bob', 'carol'] },
    ]);
    expect(await disconnected(deps, alice('c1'))).toEqual([]);
    advance(3_000);
    expect((await announceOfflineDue(deps)).pushes).toEqual([]); // not due yet
    expect(presenceEvents(await connected(deps, alice('c2')))).toEqual([]);
    advance(30_000);
    expect(await announceOfflineDue(deps)).toEqual({ pushes: [], announced: 0, back: 0 }); // the mark went with the connect
  });

  it('when a user stays away past the grace, then one sweep pushes one UserOffline with the moment they left', async () => {
    const { deps, advance, at } = await setup();
    await connected(deps, alice('c1'));
    advance(1_000);
    const left = at();
    expect(await disconnected(deps, alice('c1'))).toEqual([]);
    advance(4_999);
    expect((await announceOfflineDue(deps)).pushes).toEqual([]);
    advance(1);
    const sweep = await announceOfflineDue(deps);
    expect(sweep.announced).toBe(1);
    expect(presenceEvents(sweep.pushes)).toEqual([
      { target: 'UserOffline', payload: { userId: 'alice', lastSeen: left }, to: ['bob', 'carol'] },
    ]);
    advance(10_000);
    expect((await announceOfflineDue(deps)).pushes).toEqual([]); // announced once
  });

  it('when a user comes back after the announcement, then contacts get UserOnline', async () => {
    const { deps, advance } = await setup();
    await connected(deps, alice('c1'));
    await disconnected(deps, alice('c1'));
    advance(6_000);
    expect(presenceEvents((await announceOfflineDue(deps)).pushes).map((e) => e.target)).toEqual(['UserOffline']);
    expect(presenceEvents(await connected(deps, alice('c2')))).toEqual([
      { target: 'UserOnline', payload: { userId: 'alice', status: 'online' }, to: ['bob', 'carol'] },
    ]);
  });

  it('when one of two devices goes, then nothing is marked; the last one going is', async () => {
    const { deps, advance, ephemeral } = await setup();
    await connected(deps, alice('phone'));
    await connected(deps, alice('laptop'));
    expect(await disconnected(deps, alice('phone'))).toEqual([]);
    advance(6_000);
    expect(await ephemeral.takeOfflineDue(0, 10)).toEqual([]);
    await disconnected(deps, alice('laptop'));
    advance(5_000);
    expect((await announceOfflineDue(deps)).announced).toBe(1);
  });

  it('when a connect raced the sweep (the mark was still there), then the sweep re-checks and announces nothing', async () => {
    const { deps, advance, ephemeral } = await setup();
    await connected(deps, alice('c1'));
    await disconnected(deps, alice('c1'));
    await ephemeral.connect('alice', 'c2'); // the connect registered, but its clear had not run yet
    advance(6_000);
    expect(await announceOfflineDue(deps)).toEqual({ pushes: [], announced: 0, back: 1 });
  });

  it('when a user who appears offline leaves, then contacts hear UserOffline after the grace with the frozen last seen, as before', async () => {
    const { deps, advance, ephemeral, at } = await setup();
    await connected(deps, alice('c1'));
    const frozen = at();
    await ephemeral.setStatus('alice', 'offline', null);
    advance(60_000);
    expect(await disconnected(deps, alice('c1'))).toEqual([]);
    expect(presenceEvents(await connected(deps, alice('c2')))).toEqual([]); // back within the grace: still nothing
    await disconnected(deps, alice('c2'));
    advance(5_000);
    expect(presenceEvents((await announceOfflineDue(deps)).pushes)).toEqual([
      { target: 'UserOffline', payload: { userId: 'alice', lastSeen: frozen }, to: ['bob', 'carol'] },
    ]);
  });

  it('when more users are due than the batch, then one sweep takes the batch, oldest first, and the next the rest', async () => {
    const { deps, advance } = await setup();
    for (const u of ['u1', 'u2', 'u3']) {
      await connected(deps, { userId: u, connectionId: 'c' });
      await disconnected(deps, { userId: u, connectionId: 'c' });
      advance(10);
    }
    advance(5_000);
    const first = await announceOfflineDue(deps, { batch: 2 });
    expect(first.announced).toBe(2);
    expect(first.pushes).toEqual([]); // nobody shares a conversation with them
    expect((await announceOfflineDue(deps, { batch: 2 })).announced).toBe(1);
  });

  it('when the contacts cannot be looked up, then the user is marked again and a later sweep announces them', async () => {
    const { deps, advance } = await setup();
    await connected(deps, alice('c1'));
    await disconnected(deps, alice('c1'));
    advance(5_000);
    const allMemberships = deps.store.allMemberships.bind(deps.store);
    deps.store.allMemberships = () => Promise.reject(new Error('store down'));
    expect((await announceOfflineDue(deps)).pushes).toEqual([]);
    deps.store.allMemberships = allMemberships;
    expect((await announceOfflineDue(deps)).pushes).toEqual([]); // marked again now: a new grace
    advance(5_000);
    expect(presenceEvents((await announceOfflineDue(deps)).pushes).map((e) => e.target)).toEqual(['UserOffline']);
  });
});

describe('offline grace: 0, and the ephemeral state down', () => {
  it('when the grace is 0, then UserOffline goes at once and nothing is marked', async () => {
    const { deps, ephemeral, at } = await setup(0);
    await connected(deps, alice('c1'));
    expect(presenceEvents(await disconnected(deps, alice('c1')))).toEqual([
      { target: 'UserOffline', payload: { userId: 'alice', lastSeen: at() }, to: ['bob', 'carol'] },
    ]);
    expect(await ephemeral.takeOfflineDue(0, 10)).toEqual([]);
    expect(presenceEvents(await connected(deps, alice('c2'))).map((e) => e.target)).toEqual(['UserOnline']);
  });

  it('when the mark cannot be written or read (Redis down), then contacts hear it at once, as with no grace, and nothing throws', async () => {
    const { deps, ephemeral, logs } = await setup();
    await connected(deps, alice('c1'));
    ephemeral.markOfflinePending = () => Promise.reject(new Error('redis down'));
    ephemeral.clearOfflinePending = () => Promise.reject(new Error('redis down'));
    ephemeral.takeOfflineDue = () => Promise.reject(new Error('redis down'));
    expect(presenceEvents(await disconnected(deps, alice('c1'))).map((e) => e.target)).toEqual(['UserOffline']);
    expect(presenceEvents(await connected(deps, alice('c2'))).map((e) => e.target)).toEqual(['UserOnline']);
    expect(await announceOfflineDue(deps)).toEqual({ pushes: [], announced: 0, back: 0 });
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'presence failed',
      'presence failed',
      'presence sweep failed',
    ]);
  });

  it('when the re-check fails after the marks were taken, then the users are announced with the moment of their mark', async () => {
    const { deps, advance, ephemeral, at } = await setup();
    await connected(deps, alice('c1'));
    const left = at();
    await disconnected(deps, alice('c1'));
    advance(5_000);
    ephemeral.getPresence = () => Promise.reject(new Error('redis down'));
    expect(presenceEvents((await announceOfflineDue(deps)).pushes)).toEqual([
      { target: 'UserOffline', payload: { userId: 'alice', lastSeen: left }, to: ['bob', 'carol'] },
    ]);
  });
});
