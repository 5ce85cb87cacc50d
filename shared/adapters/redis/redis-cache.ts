import type { Redis } from 'ioredis';
import type { TextCache } from '../../ports/cache.js';

/** The shared cache on Redis: one string key per entry with PX expiry. Best effort: an error reads as a miss. */
export class RedisTextCache implements TextCache {
  constructor(
    private readonly client: Redis,
    private readonly keyPrefix = 'chat:cache:',
  ) {}

  async get(key: string): Promise<string | null> {
    try {
      return await this.client.get(this.keyPrefix + key);
    } catch {
      return null;
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    try {
      await this.client.set(this.keyPrefix + key, value, 'PX', Math.max(1, Math.ceil(ttlSeconds * 1000)));
    } catch {
      // a cache write that fails only costs a fetch later
    }
  }
}
