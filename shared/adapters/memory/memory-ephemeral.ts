import { visiblePresence } from '../../domain/presence.js';
import {
  DEFAULT_TTLS,
  type EphemeralState,
  type EphemeralTtls,
  type OfflinePending,
  type PresenceInfo,
  type PresenceStatus,
  type RateDecision,
  type ReadMark,
} from '../../ports/ephemeral.js';

/**
 * A map whose entries expire like Redis keys: gone once `now >= expiresAt`, checked lazily on read, with a sweep of
 * dead entries every so many writes so keys that are never read again do not pile up.
 */
class Keyspace<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private writes = 0;

  constructor(private readonly now: () => number) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    if (++this.writes % 1000 === 0) this.sweep();
  }

  /** A new value under a live key, keeping its expiry. */
  replace(key: string, value: V): void {
    const e = this.entries.get(key);
    if (e !== undefined) e.value = value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
  }
}

const ms = (seconds: number) => Math.max(1, Math.ceil(seconds * 1000));
const ageMs = (seconds: number) => Math.max(0, Math.ceil(seconds * 1000));
/** The one key of the offline-pending set (Redis keeps all users' marks in one sorted set). */
const PENDING = 'offline-pending';

/**
 * The Redis adapter's twin for one process (tests, local runs): the same keys, TTLs and rules as
 * `RedisEphemeralState` — see its doc for the semantics — with expiry checked lazily against `now` (default
 * `Date.now`; tests inject a clock they move, so expiry needs no real waiting). State is not shared between instances.
 */
export class MemoryEphemeralState implements EphemeralState {
  private readonly ttls: EphemeralTtls;
  private readonly now: () => number;
  /** userId → connectionId → last activity (ms) */
  private readonly conns: Keyspace<Map<string, number>>;
  private readonly statuses: Keyspace<{ status: PresenceStatus; message: string | null }>;
  private readonly lastSeen: Keyspace<number>;
  /** conversationId → userId → expiry (ms) */
  private readonly typing: Keyspace<Map<string, number>>;
  private readonly receipts: Keyspace<Map<string, ReadMark>>;
  private readonly buckets: Keyspace<{ tokens: number; ts: number }>;
  /** `conversationId callId` → true */
  private readonly calls: Keyspace<true>;
  private readonly hits: Keyspace<number>;
  private readonly firstSeens: Keyspace<string>;
  /** userId → when marked offline-pending (ms), under one key that expires as a whole */
  private readonly pending: Keyspace<Map<string, number>>;

  constructor(opts: { ttls?: Partial<EphemeralTtls>; now?: () => number } = {}) {
    this.ttls = { ...DEFAULT_TTLS, ...opts.ttls };
    const now = opts.now ?? Date.now;
    this.now = now;
    this.conns = new Keyspace(now);
    this.statuses = new Keyspace(now);
    this.lastSeen = new Keyspace(now);
    this.typing = new Keyspace(now);
    this.receipts = new Keyspace(now);
    this.buckets = new Keyspace(now);
    this.calls = new Keyspace(now);
    this.hits = new Keyspace(now);
    this.firstSeens = new Keyspace(now);
    this.pending = new Keyspace(now);
  }

  private get presenceMs(): number {
    return ms(this.ttls.presenceSeconds);
  }

  private get lastSeenMs(): number {
    return ms(this.ttls.lastSeenSeconds);
  }

  /** The user's connections with the ones idle for presenceSeconds or more dropped. */
  private liveConns(userId: string, now: number): Map<string, number> {
    const conns = this.conns.get(userId) ?? new Map<string, number>();
    for (const [id, at] of conns) if (at <= now - this.presenceMs) conns.delete(id);
    return conns;
  }

  /** Stores the connections back: no key when empty, else one that lives as long as the freshest connection. */
  private saveConns(userId: string, conns: Map<string, number>, now: number): void {
    if (conns.size === 0) {
      this.conns.delete(userId);
      return;
    }
    const newest = Math.max(...conns.values());
    this.conns.set(userId, conns, newest + this.presenceMs - now);
  }

  /** Activity: last seen = now, unless the user appears offline (then it stays frozen). Returns last seen. */
  private seen(userId: string, now: number): number {
    const status = this.statuses.get(userId);
    if (status !== undefined) this.statuses.set(userId, status, this.lastSeenMs);
    const frozen = this.lastSeen.get(userId);
    if (status?.status === 'offline' && frozen !== undefined) {
      this.lastSeen.set(userId, frozen, this.lastSeenMs);
      return frozen;
    }
    this.lastSeen.set(userId, now, this.lastSeenMs);
    return now;
  }

  connect(userId: string, connectionId: string): Promise<{ firstConnection: boolean }> {
    const now = this.now();
    const conns = this.liveConns(userId, now);
    const firstConnection = conns.size === 0;
    conns.set(connectionId, now);
    this.saveConns(userId, conns, now);
    this.seen(userId, now);
    return Promise.resolve({ firstConnection });
  }

  disconnect(userId: string, connectionId: string): Promise<{ lastConnection: boolean; lastSeen: string }> {
    const now = this.now();
    const conns = this.liveConns(userId, now);
    const removed = conns.delete(connectionId);
    this.saveConns(userId, conns, now);
    const seen = this.seen(userId, now);
    return Promise.resolve({ lastConnection: removed && conns.size === 0, lastSeen: new Date(seen).toISOString() });
  }

  touch(userId: string, connectionId?: string): Promise<void> {
    const now = this.now();
    const conns = this.liveConns(userId, now);
    for (const id of connectionId === undefined ? [...conns.keys()] : [connectionId])
      if (conns.has(id)) conns.set(id, now);
    this.saveConns(userId, conns, now);
    this.seen(userId, now);
    return Promise.resolve();
  }

  hasConnection(userId: string, connectionId: string): Promise<boolean> {
    return Promise.resolve(this.liveConns(userId, this.now()).has(connectionId));
  }

  setStatus(userId: string, status: PresenceStatus, statusMessage: string | null): Promise<PresenceInfo> {
    const now = this.now();
    const prev = this.statuses.get(userId);
    this.statuses.set(userId, { status, message: statusMessage }, this.lastSeenMs);
    let seenAt = prev?.status === 'offline' && status === 'offline' ? this.lastSeen.get(userId) : undefined;
    if (seenAt === undefined) seenAt = now;
    this.lastSeen.set(userId, seenAt, this.lastSeenMs);
    return Promise.resolve(this.presence(userId, now));
  }

  getPresence(userIds: string[]): Promise<Record<string, PresenceInfo>> {
    const now = this.now();
    const out: Record<string, PresenceInfo> = {};
    for (const userId of new Set(userIds)) out[userId] = this.presence(userId, now);
    return Promise.resolve(out);
  }

  /** What others see: the domain's presence rule over the live connections and the chosen status. */
  private presence(userId: string, now: number): PresenceInfo {
    let live = 0;
    for (const at of this.conns.get(userId)?.values() ?? []) if (at > now - this.presenceMs) live++;
    const stored = this.statuses.get(userId);
    const seen = this.lastSeen.get(userId);
    const { status, isOnline, connections } = visiblePresence(stored?.status ?? null, live);
    return {
      userId,
      status,
      statusMessage: stored?.message ?? null,
      isOnline,
      lastSeen: seen === undefined ? null : new Date(seen).toISOString(),
      connections,
    };
  }

  markOfflinePending(userId: string, keepSeconds: number): Promise<void> {
    const marks = this.pending.get(PENDING) ?? new Map<string, number>();
    marks.set(userId, this.now());
    this.pending.set(PENDING, marks, ms(keepSeconds));
    return Promise.resolve();
  }

  clearOfflinePending(userId: string): Promise<boolean> {
    const marks = this.pending.get(PENDING);
    const had = marks?.delete(userId) ?? false;
    if (marks?.size === 0) this.pending.delete(PENDING);
    return Promise.resolve(had);
  }

  takeOfflineDue(olderThanSeconds: number, limit: number): Promise<OfflinePending[]> {
    const marks = this.pending.get(PENDING);
    if (marks === undefined || !(limit >= 1)) return Promise.resolve([]);
    const cutoff = this.now() - ageMs(olderThanSeconds);
    // why: Redis orders a sorted set by score, then by member (bytewise)
    const due = [...marks]
      .filter(([, at]) => at <= cutoff)
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, Math.floor(limit));
    for (const [userId] of due) marks.delete(userId);
    if (marks.size === 0) this.pending.delete(PENDING);
    return Promise.resolve(due.map(([userId, at]) => ({ userId, since: new Date(at).toISOString() })));
  }

  startTyping(conversationId: string, userId: string): Promise<void> {
    const now = this.now();
    const typers = this.typing.get(conversationId) ?? new Map<string, number>();
    for (const [u, until] of typers) if (until <= now) typers.delete(u);
    const ttl = ms(this.ttls.typingSeconds);
    typers.set(userId, now + ttl);
    this.typing.set(conversationId, typers, ttl);
    return Promise.resolve();
  }

  stopTyping(conversationId: string, userId: string): Promise<boolean> {
    const typers = this.typing.get(conversationId);
    const until = typers?.get(userId);
    typers?.delete(userId);
    if (typers?.size === 0) this.typing.delete(conversationId);
    return Promise.resolve(until !== undefined && until > this.now());
  }

  typingUsers(conversationId: string): Promise<string[]> {
    const now = this.now();
    const users: string[] = [];
    for (const [u, until] of this.typing.get(conversationId) ?? []) if (until > now) users.push(u);
    return Promise.resolve(users);
  }

  cacheReadMark(conversationId: string, userId: string, mark: ReadMark): Promise<void> {
    const marks = this.receipts.get(conversationId) ?? new Map<string, ReadMark>();
    const current = marks.get(userId);
    if (current !== undefined && current.seq >= mark.seq) return Promise.resolve();
    marks.set(userId, { seq: mark.seq, readAt: mark.readAt });
    this.receipts.set(conversationId, marks, ms(this.ttls.receiptSeconds));
    return Promise.resolve();
  }

  readMarks(conversationId: string, userIds: string[]): Promise<Record<string, ReadMark | null>> {
    const marks = this.receipts.get(conversationId);
    const out: Record<string, ReadMark | null> = {};
    for (const u of userIds) {
      const m = marks?.get(u);
      out[u] = m === undefined ? null : { seq: m.seq, readAt: m.readAt };
    }
    return Promise.resolve(out);
  }

  forgetConversation(conversationId: string): Promise<number> {
    let removed = 0;
    for (const space of [this.typing, this.receipts] as Keyspace<unknown>[]) {
      if (space.get(conversationId) !== undefined) removed++;
      space.delete(conversationId);
    }
    return Promise.resolve(removed);
  }

  putCall(conversationId: string, callId: string, ttlSeconds: number): Promise<void> {
    this.calls.set(`${conversationId} ${callId}`, true, ms(ttlSeconds));
    return Promise.resolve();
  }

  hasCall(conversationId: string, callId: string): Promise<boolean> {
    return Promise.resolve(this.calls.get(`${conversationId} ${callId}`) === true);
  }

  deleteCall(conversationId: string, callId: string): Promise<boolean> {
    const known = this.hasCall(conversationId, callId);
    this.calls.delete(`${conversationId} ${callId}`);
    return known;
  }

  noteSend(
    userId: string,
    textKey: string,
    at: string,
    opts: { windowSeconds: number; keepSeconds: number },
  ): Promise<{ repeats: number; firstSeen: string }> {
    const key = `${userId} ${textKey}`;
    const current = this.hits.get(key);
    // why: the window is fixed at the first hit (like Redis INCR on a key with a TTL): later hits keep its expiry
    if (current === undefined) this.hits.set(key, 1, ms(opts.windowSeconds));
    else this.hits.replace(key, current + 1);
    let firstSeen = this.firstSeens.get(userId);
    if (firstSeen === undefined) {
      firstSeen = at;
      this.firstSeens.set(userId, at, ms(opts.keepSeconds));
    }
    return Promise.resolve({ repeats: (current ?? 0) + 1, firstSeen });
  }

  take(bucket: string, capacity: number, perSeconds: number): Promise<RateDecision> {
    if (!(Number.isFinite(capacity) && capacity >= 1) || !(Number.isFinite(perSeconds) && perSeconds > 0)) {
      return Promise.reject(
        new RangeError(`token bucket needs capacity >= 1 and perSeconds > 0 (got ${capacity}, ${perSeconds})`),
      );
    }
    const now = this.now();
    const per = perSeconds * 1000;
    const rate = capacity / per;
    const b = this.buckets.get(bucket) ?? { tokens: capacity, ts: now };
    let tokens = Math.min(capacity, b.tokens + Math.max(0, now - b.ts) * rate);
    let decision: RateDecision;
    if (tokens >= 1) {
      tokens -= 1;
      decision = { allowed: true, remaining: Math.floor(tokens), retryAfterSeconds: 0 };
    } else {
      decision = {
        allowed: false,
        remaining: Math.floor(tokens),
        retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / rate / 1000)),
      };
    }
    this.buckets.set(bucket, { tokens, ts: now }, Math.ceil(per * 2));
    return Promise.resolve(decision);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
