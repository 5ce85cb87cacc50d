/**
 * A per-process cache of the reads every send makes (the conversation with its participants, the profiles that
 * hold blocks), at most `ttlMs` old. Two views of one store: `store` passes everything through and drops the cached
 * entry whenever this process writes a conversation, a membership or a profile; `sendReads` serves
 * getConversation/getProfile from the cache. Other instances' writes are seen when the entry expires (at most
 * `ttlMs`): a member removed elsewhere can still send for that long; a block set elsewhere takes that long to bite.
 * Only the send path reads through it: its cached lastSeq is stale, which the send never uses.
 */
import type { Conversation, UserProfile } from '../domain/conversation.js';
import type { ConversationStore } from '../ports/store.js';

const MAX_ENTRIES = 10_000;

class TtlMap<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = load();
    this.entries.set(key, { at: this.now(), value });
    // why: a failed read must not be served from the cache
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return value;
  }

  drop(key: string): void {
    this.entries.delete(key);
  }
}

type Method = (...args: unknown[]) => unknown;

export function sendReadCache(
  store: ConversationStore,
  ttlMs = 5_000,
  now: () => number = Date.now,
): { store: ConversationStore; sendReads: ConversationStore } {
  const conversations = new TtlMap<Conversation | null>(ttlMs, now);
  const profiles = new TtlMap<UserProfile>(ttlMs, now);
  const asId = (v: unknown): string => (typeof v === 'string' ? v : '');
  const invalidates: Record<string, (args: unknown[]) => void> = {
    createConversation: ([c]) => conversations.drop((c as Conversation).id),
    updateConversation: ([id]) => conversations.drop(asId(id)),
    putMembership: ([m]) => conversations.drop((m as { conversationId: string }).conversationId),
    updateMembership: ([, id]) => conversations.drop(asId(id)),
    deleteMembership: ([, id]) => conversations.drop(asId(id)),
    updateProfile: ([id]) => profiles.drop(asId(id)),
  };
  const writing = new Proxy(store, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      const drop = typeof prop === 'string' ? invalidates[prop] : undefined;
      if (typeof value !== 'function') return value;
      // why obj, not the proxy: adapters may keep private state only the real instance has
      if (drop === undefined) return (value as Method).bind(obj);
      return (...args: unknown[]): unknown => {
        drop(args);
        const result = (value as Method).apply(obj, args);
        // why: also after the write, so a read that raced it is not kept
        return result instanceof Promise ? result.finally(() => drop(args)) : result;
      };
    },
  });
  const sendReads = new Proxy(writing, {
    get(obj, prop, receiver) {
      if (prop === 'getConversation') return (id: string) => conversations.get(id, () => obj.getConversation(id));
      if (prop === 'getProfile') return (id: string) => profiles.get(id, () => obj.getProfile(id));
      const value: unknown = Reflect.get(obj, prop, receiver);
      return value;
    },
  });
  return { store: writing, sendReads };
}
