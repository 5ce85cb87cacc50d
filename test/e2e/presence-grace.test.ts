import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { RedisEphemeralState } from '../../shared/adapters/redis/redis-ephemeral.js';
import { apiClient, M } from '../support/api.js';
import { connectClient, sleep, type TestClient } from '../support/hub.js';
import { requireRedisUrl } from '../support/redis.js';

const GRACE_SECONDS = 1;
/** The sweep runs every 5 s: an announcement comes grace + up to 5 s after the user left. */
const ANNOUNCED_WITHIN_MS = (GRACE_SECONDS + 5) * 1000 + 5_000;

interface Person {
  id: string;
  token: string;
}

/**
 * The offline grace through the local stack: real @microsoft/signalr clients → negotiate → the SignalR emulator →
 * the hub's connected/disconnected functions → Redis, and the presence-offline-sweep timer on its real schedule.
 */
describe('presence offline grace end to end', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let redis: Redis;
  let pendingKey: string;
  const clients: TestClient[] = [];
  const run = `${process.pid}-${Date.now()}`;
  let n = 0;

  const person = async (name: string): Promise<Person> => {
    const id = `${name}-${run}-${++n}`;
    return { id, token: await api.token(id) };
  };
  const connect = async (who: Person) => {
    const c = await connectClient(stack.baseUrl, who.token);
    clients.push(c);
    return c;
  };
  const direct = async (from: Person, to: Person) => {
    const created = await api.call('POST', `${M}/conversations`, {
      token: from.token,
      body: { type: 'direct', participants: [to.id] },
    });
    expect(created.status).toBe(201);
  };
  const marked = async (who: Person) => (await redis.zscore(pendingKey, who.id)) !== null;
  const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 10_000) => {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await sleep(20);
    }
  };

  beforeAll(async () => {
    // why: a database of its own: the offline-pending set is one key for all users, and the sweeps of stacks other
    // test files start on the shared Redis would take (and announce elsewhere) the marks this test waits for
    const url = new URL(await requireRedisUrl());
    url.pathname = '/9';
    stack = await startLocalStack({
      port: 0,
      signalrPort: 0,
      store: 'memory',
      redisUrl: url.toString(),
      quiet: true,
      env: { PRESENCE_OFFLINE_GRACE_SECONDS: String(GRACE_SECONDS) },
    });
    api = apiClient(stack.baseUrl);
    redis = new Redis(url.toString(), { maxRetriesPerRequest: 1 });
    pendingKey = new RedisEphemeralState(redis, { keyPrefix: stack.settings.redisKeyPrefix }).key.offlinePending();
  });
  afterAll(async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    await stack?.stop();
    redis?.disconnect();
  });

  it('when a user drops and reconnects within the grace, then contacts hear nothing; one who stays away is announced after it, and comes back online', async () => {
    const [alice, bob, carol] = [await person('alice'), await person('bob'), await person('carol')];
    await direct(alice, bob);
    await direct(carol, bob);
    const watcher = await connect(bob);
    const a1 = await connect(alice);
    const c1 = await connect(carol);
    await watcher.next('UserOnline', (p) => p.userId === alice.id);
    await watcher.next('UserOnline', (p) => p.userId === carol.id);
    const about = (target: string, who: Person) =>
      watcher.events.filter((e) => e.target === target && e.payload.userId === who.id);

    // alice's network blips: her only connection goes, and a new one comes up within the grace
    await a1.stop();
    await waitUntil('alice marked offline-pending', () => marked(alice));
    const a2 = await connect(alice);
    await waitUntil('the reconnect took the mark', async () => !(await marked(alice)));

    // carol leaves for good after alice's mark: once bob hears of her, the sweep has passed alice's grace too
    const carolLeft = Date.now();
    await c1.stop();
    const offline = await watcher.next('UserOffline', (p) => p.userId === carol.id, ANNOUNCED_WITHIN_MS);
    expect(Date.now() - carolLeft).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 50);
    expect(Number.isNaN(Date.parse(offline.lastSeen))).toBe(false);
    expect(about('UserOffline', alice)).toEqual([]);
    expect(about('UserOnline', alice)).toHaveLength(1); // the first connection's only
    expect(about('UserOffline', carol)).toHaveLength(1);
    const presence = await api.call('POST', `${M}/presence/get`, {
      token: bob.token,
      body: { userIds: [alice.id, carol.id] },
    });
    expect(presence.body.presence[alice.id]).toMatchObject({ isOnline: true, connections: 1 });
    expect(presence.body.presence[carol.id]).toMatchObject({ isOnline: false, lastSeen: offline.lastSeen });

    // carol comes back after she was announced: bob hears UserOnline again
    await connect(carol);
    await waitUntil('UserOnline(carol) again', () => Promise.resolve(about('UserOnline', carol).length === 2));

    // alice now leaves for good too
    await a2.stop();
    await watcher.next('UserOffline', (p) => p.userId === alice.id, ANNOUNCED_WITHIN_MS);
    expect(about('UserOffline', alice)).toHaveLength(1);
  }, 60_000);
});
