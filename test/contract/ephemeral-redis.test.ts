import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../shared/adapters/redis/redis-client.js';
import { RedisEphemeralState } from '../../shared/adapters/redis/redis-ephemeral.js';
import { requireRedisUrl } from '../support/redis.js';
import { runEphemeralContract } from './ephemeral.contract.js';

let url = '';
const prefix = `test:${randomUUID()}:`;
beforeAll(async () => {
  url = await requireRedisUrl();
});

runEphemeralContract('redis', (ttls) => {
  const state = new RedisEphemeralState(createRedisClient(url), { ttls, keyPrefix: prefix });
  return Promise.resolve({ state, cleanup: () => state.close() });
});

describe('redis keys', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(url);
  });
  afterAll(() => redis.quit());

  it('when every kind of state is written, then every key has a TTL', async () => {
    const state = new RedisEphemeralState(createRedisClient(url), { keyPrefix: prefix });
    await state.connect('ttl-user', 'c1');
    await state.disconnect('ttl-user', 'c1');
    await state.connect('ttl-user', 'c2');
    await state.setStatus('ttl-user', 'busy', 'x');
    await state.startTyping('ttl-conv', 'ttl-user');
    await state.cacheReadMark('ttl-conv', 'ttl-user', { seq: 1, readAt: 'now' });
    await state.take('ttl-bucket', 5, 60);
    const keys = [state.key.conns('ttl-user'), state.key.lastSeen('ttl-user'), state.key.status('ttl-user'), state.key.typing('ttl-conv'), state.key.receipts('ttl-conv'), state.key.bucket('ttl-bucket')];
    for (const key of keys) expect(await redis.pttl(key), key).toBeGreaterThan(0);
    await state.close();
  });
});
