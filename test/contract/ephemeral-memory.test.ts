import { describe, expect, it } from 'vitest';
import { MemoryEphemeralState } from '../../shared/adapters/memory/memory-ephemeral.js';
import { DEFAULT_TTLS } from '../../shared/ports/ephemeral.js';
import { movedClock, runEphemeralContract } from './ephemeral.contract.js';

// why: on a moved clock the expiry tests cost no real time; 1 s TTLs as production-like as any
runEphemeralContract(
  'memory',
  (ttls) => {
    const clock = movedClock();
    const state = new MemoryEphemeralState({ ttls, now: clock.read });
    return Promise.resolve({ state, clock, cleanup: () => Promise.resolve() });
  },
  { shortTtlMs: 1000 },
);

/** The long TTLs, on a clock the test moves (Redis gets them from PEXPIRE, checked in the redis suite). */
describe('memory twin on a moved clock', () => {
  const DAY = 86_400_000;
  const clocked = () => {
    let now = Date.parse('2026-11-22T10:00:00.000Z');
    const state = new MemoryEphemeralState({ now: () => now });
    return { state, advance: (ms: number) => (now += ms) };
  };

  it('when no TTLs are given, then typing lasts 10 s and an idle connection 5 minutes', async () => {
    const { state, advance } = clocked();
    await state.connect('u', 'c');
    await state.startTyping('conv', 'u');
    advance(DEFAULT_TTLS.typingSeconds * 1000 - 1);
    expect(await state.typingUsers('conv')).toEqual(['u']);
    advance(1);
    expect(await state.typingUsers('conv')).toEqual([]);
    advance(DEFAULT_TTLS.presenceSeconds * 1000 - DEFAULT_TTLS.typingSeconds * 1000 - 1);
    expect((await state.getPresence(['u'])).u).toMatchObject({ isOnline: true, connections: 1 });
    advance(1);
    expect((await state.getPresence(['u'])).u).toMatchObject({ isOnline: false, connections: 0 });
    expect([DEFAULT_TTLS.typingSeconds, DEFAULT_TTLS.presenceSeconds]).toEqual([10, 300]); // the documented defaults
  });

  it('when a user stays away longer than the last-seen TTL, then last seen and status are forgotten', async () => {
    const { state, advance } = clocked();
    await state.connect('u', 'c');
    await state.setStatus('u', 'busy', 'travelling');
    await state.disconnect('u', 'c');
    advance(DEFAULT_TTLS.lastSeenSeconds * 1000 - 1);
    expect((await state.getPresence(['u'])).u).toMatchObject({
      statusMessage: 'travelling',
      lastSeen: '2026-11-22T10:00:00.000Z',
    });
    advance(1);
    expect((await state.getPresence(['u'])).u).toMatchObject({
      status: 'offline',
      statusMessage: null,
      lastSeen: null,
    });
  });

  it('when activity keeps coming, then the chosen status outlives the last-seen TTL', async () => {
    const { state, advance } = clocked();
    await state.connect('u', 'c');
    await state.setStatus('u', 'away', null);
    for (let i = 0; i < 40; i++) {
      advance(DAY);
      await state.connect('u', `c${i}`);
    }
    expect((await state.getPresence(['u'])).u).toMatchObject({ status: 'away', isOnline: true });
  });

  it('when a conversation gets no new read mark for the receipt TTL, then its marks are forgotten', async () => {
    const { state, advance } = clocked();
    await state.cacheReadMark('conv', 'a', { seq: 3, readAt: 'x' });
    advance(DEFAULT_TTLS.receiptSeconds * 1000 - 1);
    await state.cacheReadMark('conv', 'b', { seq: 1, readAt: 'y' }); // a write refreshes the whole conversation
    advance(2);
    expect(await state.readMarks('conv', ['a', 'b'])).toEqual({
      a: { seq: 3, readAt: 'x' },
      b: { seq: 1, readAt: 'y' },
    });
    advance(DEFAULT_TTLS.receiptSeconds * 1000);
    expect(await state.readMarks('conv', ['a', 'b'])).toEqual({ a: null, b: null });
  });

  it('when a bucket is left alone for a period, then it is full again', async () => {
    const { state, advance } = clocked();
    for (let i = 0; i < 60; i++) await state.take('send:u', 60, 60);
    expect((await state.take('send:u', 60, 60)).allowed).toBe(false);
    advance(30_000);
    expect(await state.take('send:u', 60, 60)).toEqual({ allowed: true, remaining: 29, retryAfterSeconds: 0 });
    advance(10 * 60_000);
    expect(await state.take('send:u', 60, 60)).toEqual({ allowed: true, remaining: 59, retryAfterSeconds: 0 });
  });
});
