import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../shared/adapters/redis/redis-client.js';
import { RedisEphemeralState } from '../../shared/adapters/redis/redis-ephemeral.js';
import type { EphemeralTtls } from '../../shared/ports/ephemeral.js';
import { requireRedisUrl } from '../support/redis.js';
import { realClock, runEphemeralContract } from './ephemeral.contract.js';

/** A fresh prefix per run: runs never see each other's keys. */
const prefix = `test:${randomUUID()}:`;
/** Test keys must not linger for the 30-day defaults. */
const SHORT: Partial<EphemeralTtls> = { lastSeenSeconds: 120, receiptSeconds: 120 };

let url = '';
let admin: Redis | undefined;

// Fails the file (never skips it) when there is no Redis: "Redis not reachable at …; start it with: redis-server …".
beforeAll(async () => {
  url = await requireRedisUrl();
  admin = new Redis(url, { maxRetriesPerRequest: 1 });
});
afterAll(() => {
  admin?.disconnect();
});
const redis = () => admin as Redis;

const open = (ttls: Partial<EphemeralTtls> = {}) =>
  new RedisEphemeralState(createRedisClient(url), { ttls: { ...SHORT, ...ttls }, keyPrefix: prefix });

// why: Redis expires on its own clock (TIME), which tests do not fake; 400 ms TTLs keep the real waits short. Each
// state gets its own prefix: the offline-pending set is one key for all users, so tests must not share it
runEphemeralContract(
  'redis',
  (ttls) => {
    const state = new RedisEphemeralState(createRedisClient(url), {
      ttls: { ...SHORT, ...ttls },
      keyPrefix: `${prefix}${randomUUID()}:`,
    });
    return Promise.resolve({ state, clock: realClock, cleanup: () => state.close() });
  },
  { shortTtlMs: 400 },
);

describe('redis specifics', () => {
  const states: RedisEphemeralState[] = [];
  const make = (ttls: Partial<EphemeralTtls> = {}) => {
    const s = open(ttls);
    states.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(states.map((s) => s.close()));
  });

  it('when every kind of state is written, then every key exists with a TTL within its bound', async () => {
    const ttls = { presenceSeconds: 30, typingSeconds: 10, lastSeenSeconds: 120, receiptSeconds: 120 };
    const s = make(ttls);
    const [u, hidden, conv] = [`ttl-u-${randomUUID()}`, `ttl-h-${randomUUID()}`, `ttl-c-${randomUUID()}`];
    await s.connect(u, 'c1');
    await s.connect(u, 'c2');
    await s.disconnect(u, 'c1');
    await s.touch(u);
    await s.touch(u, 'c2');
    await s.setStatus(u, 'busy', 'x');
    await s.connect(hidden, 'c');
    await s.setStatus(hidden, 'offline', null);
    await s.touch(hidden, 'c');
    await s.startTyping(conv, u);
    await s.startTyping(conv, hidden);
    await s.stopTyping(conv, hidden);
    await s.cacheReadMark(conv, u, { seq: 2, readAt: '2026-01-01T00:00:00Z' });
    await s.cacheReadMark(conv, u, { seq: 1, readAt: '2026-01-01T00:00:00Z' });
    await s.take(`ttl-b-${conv}`, 5, 60);
    await s.markOfflinePending(u, 20);
    await s.markOfflinePending(hidden, 20);
    await s.clearOfflinePending(hidden);

    const bounds: [string, number][] = [
      [s.key.conns(u), ttls.presenceSeconds],
      [s.key.status(u), ttls.lastSeenSeconds],
      [s.key.lastSeen(u), ttls.lastSeenSeconds],
      [s.key.conns(hidden), ttls.presenceSeconds],
      [s.key.status(hidden), ttls.lastSeenSeconds],
      [s.key.lastSeen(hidden), ttls.lastSeenSeconds],
      [s.key.typing(conv), ttls.typingSeconds],
      [s.key.receipts(conv), ttls.receiptSeconds],
      [s.key.bucket(`ttl-b-${conv}`), 120],
      [s.key.offlinePending(), 20],
    ];
    for (const [key, seconds] of bounds) {
      const pttl = await redis().pttl(key); // -2: no such key, -1: no TTL
      expect(pttl, key).toBeGreaterThan(0);
      expect(pttl, key).toBeLessThanOrEqual(seconds * 1000);
    }
  });

  it('when no TTLs are given, then typing expires 10 s after it starts', async () => {
    const s = new RedisEphemeralState(createRedisClient(url), { keyPrefix: prefix });
    states.push(s);
    const conv = `default-ttl-${randomUUID()}`;
    await s.startTyping(conv, 'u');
    expect(await s.typingUsers(conv)).toEqual(['u']);
    const pttl = await redis().pttl(s.key.typing(conv));
    expect(pttl).toBeGreaterThan(9_000);
    expect(pttl).toBeLessThanOrEqual(10_000);
  });

  it('when the last connection goes, then its key is gone rather than left empty', async () => {
    const s = make();
    const u = `gone-${randomUUID()}`;
    await s.connect(u, 'c');
    await s.disconnect(u, 'c');
    expect(await redis().exists(s.key.conns(u))).toBe(0);
  });

  it('when two instances share Redis, then they see the same presence and share one bucket', async () => {
    const [a, b] = [make(), make()];
    const u = `shared-${randomUUID()}`;
    expect(await a.connect(u, 'on-a')).toEqual({ firstConnection: true });
    expect(await b.connect(u, 'on-b')).toEqual({ firstConnection: false });
    expect((await b.getPresence([u]))[u]?.connections).toBe(2);
    expect((await b.disconnect(u, 'on-a')).lastConnection).toBe(false);
    expect((await a.disconnect(u, 'on-b')).lastConnection).toBe(true);

    const bucket = `shared-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).take(bucket, 7, 60)));
    const allowed = results.filter((r) => r.allowed).map((r) => r.remaining);
    expect(allowed.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('when two instances share Redis, then a mark made on one is cleared by the other, and their sweeps split the due marks', async () => {
    const own = `${prefix}${randomUUID()}:`;
    const [a, b] = [0, 1].map(() => {
      const st = new RedisEphemeralState(createRedisClient(url), { ttls: SHORT, keyPrefix: own });
      states.push(st);
      return st;
    }) as [RedisEphemeralState, RedisEphemeralState];
    await a.markOfflinePending('flap', 60);
    expect(await b.clearOfflinePending('flap')).toBe(true);
    const users = Array.from({ length: 40 }, (_, i) => `gone-${i}`);
    await Promise.all(users.map((u, i) => (i % 2 === 0 ? a : b).markOfflinePending(u, 60)));
    const [x, y] = await Promise.all([a.takeOfflineDue(0, 25), b.takeOfflineDue(0, 25)]);
    const taken = [...x, ...y].map((p) => p.userId);
    expect(taken.sort()).toEqual([...users].sort());
    expect(await redis().exists(a.key.offlinePending())).toBe(0); // the last take leaves no empty key behind
  });

  it('when the server forgets its scripts, then the next call loads them again', async () => {
    const s = make();
    const u = `flush-${randomUUID()}`;
    await s.connect(u, 'c1');
    await redis().script('FLUSH');
    expect(await s.connect(u, 'c2')).toEqual({ firstConnection: false });
    expect(await s.typingUsers(`flush-${randomUUID()}`)).toEqual([]);
  });

  it('when close is called twice, then the second call does nothing', async () => {
    const s = open();
    await s.close();
    await expect(s.close()).resolves.toBeUndefined();
  });
});
