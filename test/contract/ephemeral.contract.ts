import { afterEach, describe, expect, it } from 'vitest';
import type { EphemeralState, EphemeralTtls } from '../../shared/ports/ephemeral.js';

export type MakeEphemeral = (ttls: Partial<EphemeralTtls>) => Promise<{ state: EphemeralState; cleanup(): Promise<void> }>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;
const uid = (name: string) => `${name}-${process.pid}-${Date.now()}-${++n}`;

/** One suite, every adapter: the memory twin must behave like Redis. */
export function runEphemeralContract(name: string, make: MakeEphemeral): void {
  describe(`ephemeral state contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    const fresh = async (ttls: Partial<EphemeralTtls> = {}) => {
      const made = await make(ttls);
      cleanups.push(() => made.cleanup());
      return made.state;
    };
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c();
    });

    it('when a user has two connections, then they are online until the last one goes, with first/last flags', async () => {
      const s = await fresh();
      const u = uid('u');
      expect(await s.connect(u, 'c1')).toEqual({ firstConnection: true });
      expect(await s.connect(u, 'c2')).toEqual({ firstConnection: false });
      expect((await s.disconnect(u, 'c1')).lastConnection).toBe(false);
      expect((await s.getPresence([u]))[u]).toMatchObject({ isOnline: true, connections: 1, status: 'online' });
      const last = await s.disconnect(u, 'c2');
      expect(last.lastConnection).toBe(true);
      expect(Date.parse(last.lastSeen)).toBeGreaterThan(Date.now() - 5000);
      expect((await s.getPresence([u]))[u]).toMatchObject({ isOnline: false, status: 'offline', connections: 0, lastSeen: last.lastSeen });
      expect((await s.disconnect(u, 'c2')).lastConnection).toBe(false); // twice is not "last" again
    });

    it('when a connection shows no activity for the presence TTL, then it expires, while touch keeps another alive', async () => {
      const s = await fresh({ presenceSeconds: 1 });
      const [a, b] = [uid('a'), uid('b')];
      await s.connect(a, 'ca');
      await s.connect(b, 'cb');
      await sleep(600);
      await s.touch(b, 'cb');
      await sleep(600);
      const p = await s.getPresence([a, b]);
      expect(p[a]?.isOnline).toBe(false);
      expect(p[b]?.isOnline).toBe(true);
      expect(await s.connect(a, 'ca2')).toEqual({ firstConnection: true });
    });

    it('when statuses are set, then they show while online, and offline means appear offline', async () => {
      const s = await fresh();
      const u = uid('u');
      await s.connect(u, 'c');
      expect(await s.setStatus(u, 'busy', 'in a meeting')).toMatchObject({ status: 'busy', statusMessage: 'in a meeting', isOnline: true });
      expect((await s.setStatus(u, 'offline', null)).isOnline).toBe(false);
      expect((await s.setStatus(u, 'away', null)).status).toBe('away');
    });

    it('when presence of many users is asked at once, then unknown users come back offline', async () => {
      const s = await fresh();
      const [a, b, c] = [uid('a'), uid('b'), uid('c')];
      await s.connect(a, 'x');
      await s.connect(b, 'y');
      const p = await s.getPresence([a, b, c]);
      expect(Object.keys(p).sort()).toEqual([a, b, c].sort());
      expect([p[a]?.isOnline, p[b]?.isOnline, p[c]?.isOnline]).toEqual([true, true, false]);
      expect(p[c]).toMatchObject({ lastSeen: null, statusMessage: null });
    });

    it('when users type, then they show until they stop or the TTL passes', async () => {
      const s = await fresh({ typingSeconds: 1 });
      const conv = uid('conv');
      await s.startTyping(conv, 'a');
      await s.startTyping(conv, 'b');
      expect((await s.typingUsers(conv)).sort()).toEqual(['a', 'b']);
      expect(await s.stopTyping(conv, 'a')).toBe(true);
      expect(await s.stopTyping(conv, 'a')).toBe(false);
      await sleep(1100);
      expect(await s.typingUsers(conv)).toEqual([]);
      expect(await s.stopTyping(conv, 'b')).toBe(false);
    });

    it('when read marks are cached, then they only move forward', async () => {
      const s = await fresh();
      const conv = uid('conv');
      await s.cacheReadMark(conv, 'a', { seq: 5, readAt: '2026-01-01T00:00:05Z' });
      await s.cacheReadMark(conv, 'a', { seq: 3, readAt: '2026-01-01T00:00:09Z' });
      expect(await s.readMarks(conv, ['a', 'b'])).toEqual({ a: { seq: 5, readAt: '2026-01-01T00:00:05Z' }, b: null });
      await s.cacheReadMark(conv, 'a', { seq: 7, readAt: '2026-01-01T00:00:10Z' });
      expect((await s.readMarks(conv, ['a'])).a?.seq).toBe(7);
    });

    it('when 50 calls hit a bucket of 10 at once, then exactly 10 pass and the rest get a retry-after', async () => {
      const s = await fresh();
      const bucket = uid('send');
      const results = await Promise.all(Array.from({ length: 50 }, () => s.take(bucket, 10, 60)));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      const refused = results.filter((r) => !r.allowed);
      expect(refused).toHaveLength(40);
      for (const r of refused) expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused[0]?.retryAfterSeconds).toBeLessThanOrEqual(6);
    });

    it('when time passes, then the bucket refills', async () => {
      const s = await fresh();
      const bucket = uid('typing');
      for (let i = 0; i < 5; i++) expect((await s.take(bucket, 5, 1)).allowed).toBe(true);
      expect((await s.take(bucket, 5, 1)).allowed).toBe(false);
      await sleep(450);
      expect((await s.take(bucket, 5, 1)).allowed).toBe(true);
    });
  });
}
