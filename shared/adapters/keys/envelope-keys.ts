// DataKeyProvider: a data key per conversation and KEK version, made on first need, stored wrapped (WrappedKeyStore),
// unwrapped once per process and kept in memory (bounded) so a send does not call Key Vault each time.
import { randomBytes } from 'node:crypto';
import type { DataKeyProvider, KeyWrapper, WrappedKeyStore } from '../../ports/keys.js';

const MAX_CACHED = 10_000;

export class EnvelopeDataKeys implements DataKeyProvider {
  private readonly cache = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly wrapper: KeyWrapper,
    private readonly stored: WrappedKeyStore,
  ) {}

  async current(conversationId: string): Promise<{ keyVersion: string; key: Buffer }> {
    const keyVersion = await this.wrapper.currentVersion();
    return { keyVersion, key: await this.load(conversationId, keyVersion, true) };
  }

  get(conversationId: string, keyVersion: string): Promise<Buffer> {
    return this.load(conversationId, keyVersion, false);
  }

  private load(conversationId: string, keyVersion: string, create: boolean): Promise<Buffer> {
    const id = `${conversationId}\u0000${keyVersion}`;
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit;
    const loading = this.fetch(conversationId, keyVersion, create);
    this.cache.set(id, loading);
    // why: a failed load (Key Vault unreachable) must not stay cached
    loading.catch(() => this.cache.delete(id));
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value ?? id);
    return loading;
  }

  private async fetch(conversationId: string, keyVersion: string, create: boolean): Promise<Buffer> {
    const wrapped = await this.stored.get(conversationId, keyVersion);
    if (wrapped !== null) return this.wrapper.unwrap(keyVersion, wrapped);
    if (!create) throw new Error(`conversation ${conversationId} has no data key under key version ${keyVersion}`);
    const fresh = randomBytes(32);
    const mine = await this.wrapper.wrap(keyVersion, fresh);
    const winner = await this.stored.putIfAbsent(conversationId, keyVersion, mine);
    // why: another instance may have made this conversation's key first; everyone uses the stored one
    return winner === mine ? fresh : this.wrapper.unwrap(keyVersion, winner);
  }
}
