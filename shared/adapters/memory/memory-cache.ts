import type { TextCache } from '../../ports/cache.js';

/** The one-process twin of the Redis cache: entries expire by an injectable clock; the oldest go first when full. */
export class MemoryTextCache implements TextCache {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string): Promise<string | null> {
    const hit = this.entries.get(key);
    if (hit === undefined) return Promise.resolve(null);
    if (hit.expiresAt <= this.now()) {
      this.entries.delete(key);
      return Promise.resolve(null);
    }
    return Promise.resolve(hit.value);
  }

  set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    // why: a Map iterates in insertion order, so the first key is the oldest write
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return Promise.resolve();
  }
}
