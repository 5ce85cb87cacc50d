/**
 * A small shared cache of strings with a TTL (link previews per URL). Adapters: redis (shared by every instance)
 * and memory (one process). Best effort by contract: a cache that is down reads as a miss and drops writes.
 */
export interface TextCache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
}
