import type { WrappedKeyStore } from '../../ports/keys.js';

/** Wrapped data keys in this process (the memory store's twin: lost on restart, like its messages). */
export class MemoryWrappedKeys implements WrappedKeyStore {
  private readonly keys = new Map<string, string>();

  get(conversationId: string, keyVersion: string): Promise<string | null> {
    return Promise.resolve(this.keys.get(`${conversationId}\u0000${keyVersion}`) ?? null);
  }

  putIfAbsent(conversationId: string, keyVersion: string, wrapped: string): Promise<string> {
    const id = `${conversationId}\u0000${keyVersion}`;
    const existing = this.keys.get(id);
    if (existing !== undefined) return Promise.resolve(existing);
    this.keys.set(id, wrapped);
    return Promise.resolve(wrapped);
  }
}
