import { afterEach, describe, expect, it } from 'vitest';
import type { EphemeralState, EphemeralTtls } from '../../shared/ports/ephemeral.js';

/** The clock an adapter expires on, as the suite sees it: `wait` lets that much of it pass. */
export interface ContractClock {
  now(): number;
  wait(ms: number): Promise<void>;
}

export type MakeEphemeral = (
  ttls: Partial<EphemeralTtls>,
) => Promise<{ state: EphemeralState; clock: ContractClock; cleanup(): Promise<void> }>;

export interface ContractOptions {
  /**
   * The presence and typing TTL of the expiry tests (ms). They wait 0.75 × TTL, refresh, then 0.375 × TTL: what was
   * not refreshed is past its TTL, what was is well inside it, with the slack on the side a slow machine eats into.
   */
  shortTtlMs: number;
}

/** A clock the test moves: expiry without waiting (the memory twin takes it as `now`). */
export function movedClock(start = Date.now()): ContractClock & { read: () => number } {
  let now = start;
  return {
    now: () => now,
    read: () => now,
    wait: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  };
}

/** Real time, for adapters on a server clock (Redis `TIME`): keep the TTLs short. */
export const realClock: ContractClock = {
  now: () => Date.now(),
  wait: (ms) => new Promise((r) => setTimeout(r, ms)),
};

let n = 0;
/** Ids unique per run, so adapters sharing a server (Redis) never see another test's state. */
const uid = (name: string) => `${name}-${process.pid}-${Date.now()}-${++n}`;

/** One suite, every adapter: the memory twin must behave like Redis. */
export function runEphemeralContract(name: string, make: MakeEphemeral, opts: ContractOptions): void {
  const T = opts.shortTtlMs;
  describe(`ephemeral state contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    const fresh = async (ttls: Partial<EphemeralTtls> = {}) => {
      const made = await make(ttls);
      cleanups.push(() => made.cleanup());
      return { s: made.state, clock: made.clock };
    };
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c();
    });

    describe('presence', () => {
      it('when a user has two connections, then they are online until the last one goes, with first/last flags', async () => {
        const { s, clock } = await fresh();
        const u = uid('u');
        expect(await s.connect(u, 'c1')).toEqual({ firstConnection: true });
        expect(await s.connect(u, 'c2')).toEqual({ firstConnection: false });
        expect((await s.getPresence([u]))[u]).toMatchObject({ isOnline: true, status: 'online', connections: 2 });

        expect((await s.disconnect(u, 'c1')).lastConnection).toBe(false);
        expect((await s.getPresence([u]))[u]).toMatchObject({ isOnline: true, status: 'online', connections: 1 });

        const before = clock.now();
        const last = await s.disconnect(u, 'c2');
        expect(last.lastConnection).toBe(true);
        expect(Math.abs(Date.parse(last.lastSeen) - before)).toBeLessThan(2000);
        expect((await s.getPresence([u]))[u]).toEqual({
          userId: u,
          status: 'offline',
          statusMessage: null,
          isOnline: false,
          lastSeen: last.lastSeen,
          connections: 0,
        });

        expect((await s.disconnect(u, 'c2')).lastConnection).toBe(false); // a repeated disconnect is not "last" again
        expect(await s.connect(u, 'c3')).toEqual({ firstConnection: true });
      });

      it('when the same connection connects twice, then it counts once', async () => {
        const { s } = await fresh();
        const u = uid('u');
        await s.connect(u, 'c1');
        expect(await s.connect(u, 'c1')).toEqual({ firstConnection: false });
        expect((await s.getPresence([u]))[u]?.connections).toBe(1);
        expect((await s.disconnect(u, 'c1')).lastConnection).toBe(true);
      });

      it('when a connection shows no activity for the presence TTL, then it expires without a disconnect, while touched ones stay', async () => {
        const { s, clock } = await fresh({ presenceSeconds: T / 1000 });
        const [crashed, twoDevices, touchAll, ghost] = [uid('crashed'), uid('two'), uid('all'), uid('ghost')];
        await s.connect(crashed, 'c');
        await s.connect(twoDevices, 'dead-instance');
        await s.connect(twoDevices, 'phone');
        await s.connect(touchAll, 'a');
        await s.connect(touchAll, 'b');
        await clock.wait(0.75 * T);
        await s.touch(twoDevices, 'phone');
        await s.touch(touchAll);
        await s.touch(ghost, 'never-connected');
        await clock.wait(0.375 * T);

        const p = await s.getPresence([crashed, twoDevices, touchAll, ghost]);
        expect(p[crashed]).toMatchObject({ isOnline: false, status: 'offline', connections: 0 });
        // last seen is kept after the connection expired, and it is the last activity, not the moment of reading
        expect(clock.now() - Date.parse(p[crashed]?.lastSeen ?? '')).toBeGreaterThanOrEqual(T);
        expect(p[twoDevices]).toMatchObject({ isOnline: true, connections: 1 });
        expect(p[touchAll]).toMatchObject({ isOnline: true, connections: 2 });
        expect(p[ghost]).toMatchObject({ isOnline: false, connections: 0 }); // touch never creates a connection

        expect(await s.connect(crashed, 'c2')).toEqual({ firstConnection: true });
        expect(await s.connect(twoDevices, 'laptop')).toEqual({ firstConnection: false });
        expect((await s.getPresence([twoDevices]))[twoDevices]?.connections).toBe(2);
        expect((await s.disconnect(twoDevices, 'phone')).lastConnection).toBe(false);
        expect((await s.disconnect(twoDevices, 'laptop')).lastConnection).toBe(true); // the expired one does not hold them online
      });

      it('when a user chooses a status and message, then it shows while they are online and comes back with them', async () => {
        const { s } = await fresh();
        const [u, plain] = [uid('u'), uid('plain')];
        await s.connect(u, 'c');
        await s.connect(plain, 'c');
        expect(await s.setStatus(u, 'busy', 'in a meeting')).toMatchObject({
          userId: u,
          status: 'busy',
          statusMessage: 'in a meeting',
          isOnline: true,
          connections: 1,
        });
        let p = await s.getPresence([u, plain]);
        expect(p[u]).toMatchObject({ status: 'busy', statusMessage: 'in a meeting', isOnline: true });
        expect(p[plain]).toMatchObject({ status: 'online', statusMessage: null, isOnline: true });

        await s.disconnect(u, 'c');
        expect((await s.getPresence([u]))[u]).toMatchObject({ status: 'offline', isOnline: false, connections: 0 });
        await s.connect(u, 'c2');
        expect((await s.getPresence([u]))[u]).toMatchObject({
          status: 'busy',
          statusMessage: 'in a meeting',
          isOnline: true,
        });

        expect(await s.setStatus(u, 'away', null)).toMatchObject({
          status: 'away',
          statusMessage: null,
          isOnline: true,
        });
        p = await s.getPresence([u]);
        expect(p[u]).toMatchObject({ status: 'away', statusMessage: null });
      });

      it('when a user appears offline, then others see them offline, with no connections and last seen frozen', async () => {
        const { s, clock } = await fresh();
        const u = uid('u');
        await s.connect(u, 'c1');
        const hidden = await s.setStatus(u, 'offline', null);
        expect(hidden).toMatchObject({ status: 'offline', isOnline: false, connections: 0 });
        expect(hidden.lastSeen).not.toBeNull();
        const frozen = hidden.lastSeen;

        await clock.wait(15);
        await s.touch(u, 'c1');
        expect(await s.connect(u, 'c2')).toEqual({ firstConnection: false });
        expect((await s.getPresence([u]))[u]).toEqual({
          userId: u,
          status: 'offline',
          statusMessage: null,
          isOnline: false,
          lastSeen: frozen,
          connections: 0,
        });
        expect((await s.setStatus(u, 'offline', null)).lastSeen).toBe(frozen);
        expect((await s.disconnect(u, 'c1')).lastSeen).toBe(frozen);

        const back = await s.setStatus(u, 'online', null);
        expect(back).toMatchObject({ status: 'online', isOnline: true, connections: 1 });
        expect(Date.parse(back.lastSeen ?? '')).toBeGreaterThan(Date.parse(frozen ?? ''));
        // others see them again, with the connection that stayed, and last seen moves with activity again
        expect((await s.getPresence([u]))[u]).toEqual({ ...back, userId: u });
        await clock.wait(15);
        await s.touch(u, 'c2');
        expect(Date.parse((await s.getPresence([u]))[u]?.lastSeen ?? '')).toBeGreaterThan(
          Date.parse(back.lastSeen ?? ''),
        );
      });

      it('when presence of several users is asked at once, then each is answered, unknown ones offline without last seen', async () => {
        const { s } = await fresh();
        const [a, b, c] = [uid('a'), uid('b'), uid('c')];
        await s.connect(a, 'x');
        await s.connect(b, 'y');
        await s.setStatus(b, 'busy', 'focus');
        const p = await s.getPresence([a, b, c, a]);
        expect(Object.keys(p).sort()).toEqual([a, b, c].sort());
        expect(p[a]).toMatchObject({ userId: a, status: 'online', isOnline: true, connections: 1 });
        expect(p[b]).toMatchObject({
          userId: b,
          status: 'busy',
          statusMessage: 'focus',
          isOnline: true,
          connections: 1,
        });
        expect(p[c]).toEqual({
          userId: c,
          status: 'offline',
          statusMessage: null,
          isOnline: false,
          lastSeen: null,
          connections: 0,
        });
        expect(await s.getPresence([])).toEqual({});
      });
    });

    describe('offline grace (presence announcements)', () => {
      it('when a user is marked offline-pending, then clearing it answers true once, and a cleared mark is never taken', async () => {
        const { s, clock } = await fresh();
        const [u, v] = [uid('u'), uid('v')];
        expect(await s.clearOfflinePending(u)).toBe(false);
        await s.markOfflinePending(u, 60);
        await s.markOfflinePending(v, 60);
        expect(await s.clearOfflinePending(u)).toBe(true);
        expect(await s.clearOfflinePending(u)).toBe(false);
        const before = clock.now();
        const taken = await s.takeOfflineDue(0, 10);
        expect(taken.map((p) => p.userId)).toEqual([v]);
        expect(Math.abs(Date.parse(taken[0]?.since ?? '') - before)).toBeLessThan(2000);
        expect(await s.takeOfflineDue(0, 10)).toEqual([]); // taken means removed
        expect(await s.clearOfflinePending(v)).toBe(false);
      });

      it('when marks are younger than the age asked for, then they stay until they are old enough', async () => {
        const { s, clock } = await fresh();
        const [early, late] = [uid('early'), uid('late')];
        await s.markOfflinePending(early, 60);
        await clock.wait(1.25 * T);
        await s.markOfflinePending(late, 60);
        expect((await s.takeOfflineDue(T / 1000, 10)).map((p) => p.userId)).toEqual([early]);
        expect(await s.takeOfflineDue(T / 1000, 10)).toEqual([]);
        await clock.wait(1.25 * T);
        expect((await s.takeOfflineDue(T / 1000, 10)).map((p) => p.userId)).toEqual([late]);
      });

      it('when more marks are due than the limit, then the oldest go first, and marking again moves a user to the back', async () => {
        const { s, clock } = await fresh();
        const [a, b, c] = [uid('a'), uid('b'), uid('c')];
        for (const u of [a, b, c, a]) {
          await s.markOfflinePending(u, 60);
          await clock.wait(5); // distinct times
        }
        expect(await s.takeOfflineDue(0, 0)).toEqual([]); // takes nothing, removes nothing
        expect((await s.takeOfflineDue(0, 2)).map((p) => p.userId)).toEqual([b, c]);
        expect((await s.takeOfflineDue(0, 2)).map((p) => p.userId)).toEqual([a]);
      });

      it('when two sweeps take at once, then every due mark goes to exactly one of them', async () => {
        const { s } = await fresh();
        const users = Array.from({ length: 30 }, (_, i) => uid(`u${i}`));
        await Promise.all(users.map((u) => s.markOfflinePending(u, 60)));
        const [x, y] = await Promise.all([s.takeOfflineDue(0, 20), s.takeOfflineDue(0, 20)]);
        const all = [...(x ?? []), ...(y ?? [])].map((p) => p.userId);
        expect(all).toHaveLength(30);
        expect(new Set(all)).toEqual(new Set(users));
      });

      it('when no mark is made for keepSeconds, then the pending set is gone', async () => {
        const { s, clock } = await fresh();
        const [u, v] = [uid('u'), uid('v')];
        await s.markOfflinePending(u, T / 1000);
        await clock.wait(0.75 * T);
        await s.markOfflinePending(v, T / 1000); // a new mark keeps the whole set
        await clock.wait(0.5 * T);
        expect(await s.clearOfflinePending(u)).toBe(true);
        await clock.wait(1.5 * T);
        expect(await s.clearOfflinePending(v)).toBe(false);
        expect(await s.takeOfflineDue(0, 10)).toEqual([]);
      });
    });

    describe('typing', () => {
      it('when users type, then they show until they stop or the TTL passes, and typing again extends it', async () => {
        const { s, clock } = await fresh({ typingSeconds: T / 1000 });
        const [conv, other] = [uid('conv'), uid('other')];
        await s.startTyping(conv, 'a');
        await s.startTyping(conv, 'b');
        await s.startTyping(conv, 'c');
        expect((await s.typingUsers(conv)).sort()).toEqual(['a', 'b', 'c']);
        expect(await s.typingUsers(other)).toEqual([]);
        expect(await s.stopTyping(conv, 'a')).toBe(true);
        expect(await s.stopTyping(conv, 'a')).toBe(false);
        expect(await s.stopTyping(other, 'b')).toBe(false);
        expect((await s.typingUsers(conv)).sort()).toEqual(['b', 'c']);

        await clock.wait(0.75 * T);
        await s.startTyping(conv, 'c');
        await clock.wait(0.375 * T);
        expect(await s.typingUsers(conv)).toEqual(['c']);
        expect(await s.stopTyping(conv, 'b')).toBe(false); // expired: was not typing any more
        expect(await s.stopTyping(conv, 'c')).toBe(true);
        expect(await s.typingUsers(conv)).toEqual([]);
      });
    });

    describe('read marks', () => {
      it('when read marks are cached, then they only move forward, per user and conversation', async () => {
        const { s } = await fresh();
        const [conv, other] = [uid('conv'), uid('other')];
        await s.cacheReadMark(conv, 'a', { seq: 5, readAt: '2026-01-01T00:00:05Z' });
        await s.cacheReadMark(conv, 'a', { seq: 3, readAt: '2026-01-01T00:00:09Z' });
        await s.cacheReadMark(conv, 'a', { seq: 5, readAt: '2026-01-01T00:00:10Z' });
        expect(await s.readMarks(conv, ['a', 'b'])).toEqual({ a: { seq: 5, readAt: '2026-01-01T00:00:05Z' }, b: null });
        expect(await s.readMarks(other, ['a'])).toEqual({ a: null });

        await s.cacheReadMark(conv, 'a', { seq: 7, readAt: '2026-01-01T00:00:11Z' });
        await s.cacheReadMark(conv, 'b', { seq: 1, readAt: '2026-01-01T00:00:12Z' });
        expect(await s.readMarks(conv, ['a', 'b'])).toEqual({
          a: { seq: 7, readAt: '2026-01-01T00:00:11Z' },
          b: { seq: 1, readAt: '2026-01-01T00:00:12Z' },
        });
        expect(await s.readMarks(conv, [])).toEqual({});
      });
    });

    describe('forgetting a conversation (retention)', () => {
      it('when a gone conversation is forgotten, then its typing and read-mark keys are removed, once, and other conversations keep theirs', async () => {
        const { s } = await fresh();
        const [conv, other] = [uid('conv'), uid('other')];
        for (const c of [conv, other]) {
          await s.startTyping(c, 'a');
          await s.cacheReadMark(c, 'a', { seq: 2, readAt: '2026-01-01T00:00:05Z' });
        }
        expect(await s.forgetConversation(conv)).toBe(2);
        expect(await s.forgetConversation(conv)).toBe(0);
        expect(await s.typingUsers(conv)).toEqual([]);
        expect(await s.readMarks(conv, ['a'])).toEqual({ a: null });
        expect(await s.typingUsers(other)).toEqual(['a']);
        expect((await s.readMarks(other, ['a'])).a).toMatchObject({ seq: 2 });
      });
    });

    describe('rate limits', () => {
      it('when 50 calls hit a bucket of 10 at once, then exactly 10 pass and the rest get a retry-after', async () => {
        const { s } = await fresh();
        const bucket = uid('send');
        const results = await Promise.all(Array.from({ length: 50 }, () => s.take(bucket, 10, 60)));
        const allowed = results.filter((r) => r.allowed);
        const refused = results.filter((r) => !r.allowed);
        expect(allowed).toHaveLength(10);
        expect(allowed.map((r) => r.remaining).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        for (const r of allowed) expect(r.retryAfterSeconds).toBe(0);
        expect(refused).toHaveLength(40);
        for (const r of refused) {
          expect(r.remaining).toBe(0);
          expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          expect(r.retryAfterSeconds).toBeLessThanOrEqual(6); // one token per 6 s
        }
        expect(await s.take(uid('other'), 10, 60)).toEqual({ allowed: true, remaining: 9, retryAfterSeconds: 0 });
      });

      it('when time passes, then the bucket refills at capacity per period', async () => {
        const { s, clock } = await fresh();
        const bucket = uid('typing');
        for (let i = 0; i < 5; i++) expect((await s.take(bucket, 5, 1)).allowed).toBe(true);
        expect(await s.take(bucket, 5, 1)).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
        await clock.wait(450); // 5 tokens/s → 2 tokens back
        const r = await s.take(bucket, 5, 1);
        expect(r.allowed).toBe(true);
        expect(r.remaining).toBeGreaterThanOrEqual(1);
        expect(r.remaining).toBeLessThanOrEqual(2);
      });

      it('when a bucket could never refill, then take rejects', async () => {
        const { s } = await fresh();
        await expect(s.take(uid('b'), 0, 60)).rejects.toThrow(RangeError);
        await expect(s.take(uid('b'), 5, 0)).rejects.toThrow(RangeError);
      });
    });

    describe('calls and heartbeats (D7, D9)', () => {
      it('when a call is put, then it is known in its conversation only, until deleted or expired', async () => {
        const { s, clock } = await fresh();
        const [c, other] = [uid('conv'), uid('conv')];
        await s.putCall(c, 'call-1', T / 1000);
        await s.putCall(c, 'call-2', T / 1000);
        expect(await s.hasCall(c, 'call-1')).toBe(true);
        expect(await s.hasCall(other, 'call-1')).toBe(false);
        expect(await s.hasCall(c, 'made-up')).toBe(false);
        expect(await s.deleteCall(c, 'call-1')).toBe(true);
        expect(await s.deleteCall(c, 'call-1')).toBe(false);
        expect(await s.hasCall(c, 'call-1')).toBe(false);
        await clock.wait(T * 1.5);
        expect(await s.hasCall(c, 'call-2')).toBe(false);
      });

      it('when asked about a connection, then only a live one of that user counts', async () => {
        const { s, clock } = await fresh({ presenceSeconds: T / 1000 });
        const u = uid('u');
        expect(await s.hasConnection(u, 'c1')).toBe(false);
        await s.connect(u, 'c1');
        expect(await s.hasConnection(u, 'c1')).toBe(true);
        expect(await s.hasConnection(u, 'c2')).toBe(false);
        expect(await s.hasConnection(uid('someone-else'), 'c1')).toBe(false);
        await clock.wait(T * 1.5);
        expect(await s.hasConnection(u, 'c1')).toBe(false);
      });
    });

    describe('spam guard', () => {
      it('when the same text is noted at once and over time, then every hit counts in a window fixed at the first', async () => {
        const { s, clock } = await fresh();
        const u = uid('u');
        const opts = { windowSeconds: T / 1000, keepSeconds: 60 };
        const at = '2026-01-01T00:00:00.000Z';
        const notes = await Promise.all(Array.from({ length: 20 }, () => s.noteSend(u, 'text-a', at, opts)));
        expect(notes.map((n) => n.repeats).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect((await s.noteSend(u, 'text-b', at, opts)).repeats).toBe(1);
        expect((await s.noteSend(uid('other'), 'text-a', at, opts)).repeats).toBe(1);
        await clock.wait(0.75 * T);
        expect((await s.noteSend(u, 'text-a', at, opts)).repeats).toBe(21);
        // why: hits do not extend the window; past its first hit's TTL it starts again
        await clock.wait(0.75 * T);
        expect((await s.noteSend(u, 'text-a', at, opts)).repeats).toBe(1);
      });

      it('when a user is first seen, then later sends return that first moment until it expires', async () => {
        const { s, clock } = await fresh();
        const u = uid('u');
        const opts = { windowSeconds: 60, keepSeconds: T / 1000 };
        expect((await s.noteSend(u, 'x', '2026-01-01T00:00:00.000Z', opts)).firstSeen).toBe('2026-01-01T00:00:00.000Z');
        expect((await s.noteSend(u, 'y', '2026-02-02T00:00:00.000Z', opts)).firstSeen).toBe('2026-01-01T00:00:00.000Z');
        await clock.wait(T * 1.5);
        expect((await s.noteSend(u, 'z', '2026-03-03T00:00:00.000Z', opts)).firstSeen).toBe('2026-03-03T00:00:00.000Z');
      });
    });
  });
}
