import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTextCache } from '../../shared/adapters/memory/memory-cache.js';
import { RedisTextCache } from '../../shared/adapters/redis/redis-cache.js';
import { createRedisClient } from '../../shared/adapters/redis/redis-client.js';
import type { TextCache } from '../../shared/ports/cache.js';
import { requireRedisUrl } from '../support/redis.js';

/** The link-preview cache, the same on Redis and in memory: read back, replaced, gone after its TTL. */
let redisUrl = '';
let client: ReturnType<typeof createRedisClient> | undefined;
beforeAll(async () => {
  redisUrl = await requireRedisUrl();
  client = createRedisClient(redisUrl);
});
afterAll(() => {
  client?.disconnect();
});

const adapters: [string, () => TextCache][] = [
  ['memory', () => new MemoryTextCache()],
  ['redis', () => new RedisTextCache(client as NonNullable<typeof client>, `test:${randomUUID()}:`)],
];

describe.each(adapters)('text cache: %s', (_name, open) => {
  it('when a value is set, then it is read back, replaced by a newer set, and gone after its TTL', async () => {
    const cache = open();
    expect(await cache.get('k')).toBeNull();
    await cache.set('k', 'v1', 30);
    await cache.set('k', 'v2', 0.3);
    expect(await cache.get('k')).toBe('v2');
    await new Promise((r) => setTimeout(r, 450));
    expect(await cache.get('k')).toBeNull();
  });
});

describe('redis cache outage', () => {
  it('when Redis is unreachable, then reads are misses and writes are dropped, never errors', async () => {
    const down = createRedisClient('redis://127.0.0.1:1', { onError: () => undefined });
    try {
      const cache = new RedisTextCache(down);
      await cache.set('k', 'v', 10);
      expect(await cache.get('k')).toBeNull();
    } finally {
      down.disconnect();
    }
  });
});
