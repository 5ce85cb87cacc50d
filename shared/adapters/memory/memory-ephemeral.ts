import {
  DEFAULT_TTLS,
  type EphemeralState,
  type EphemeralTtls,
  type PresenceInfo,
  type PresenceStatus,
  type RateDecision,
  type ReadMark,
} from '../../ports/ephemeral.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** The Redis adapter's twin for one process: same semantics, expiry checked lazily against the clock. */
export class MemoryEphemeralState implements EphemeralState {
  private readonly ttls: EphemeralTtls;
  private readonly now: () => number;
  /** userId → connectionId → last activity (ms) */
  private readonly connections = new Map<string, Map<string, number>>();
  private readonly lastSeen = new Map<string, number>();
  private readonly statuses = new Map<string, { status: PresenceStatus; message: string | null; at: number }>();
  /** conversationId → userId → expiry (ms) */
  private readonly typing = new Map<string, Map<string, number>>();
  private readonly receipts = new Map<string, Map<string, ReadMark & { at: number }>>();
  private readonly buckets = new Map<string, Bucket>();

  constructor(opts: { ttls?: Partial<EphemeralTtls>; now?: () => number } = {}) {
    this.ttls = { ...DEFAULT_TTLS, ...opts.ttls };
    this.now = opts.now ?? Date.now;
  }

  private live(userId: string): Map<string, number> {
    const conns = this.connections.get(userId) ?? new Map<string, number>();
    const cutoff = this.now() - this.ttls.presenceSeconds * 1000;
    for (const [id, at] of conns) if (at <= cutoff) conns.delete(id);
    this.connections.set(userId, conns);
    return conns;
  }

  connect(userId: string, connectionId: string): Promise<{ firstConnection: boolean }> {
    const conns = this.live(userId);
    const firstConnection = conns.size === 0;
    conns.set(connectionId, this.now());
    return Promise.resolve({ firstConnection });
  }

  disconnect(userId: string, connectionId: string): Promise<{ lastConnection: boolean; lastSeen: string }> {
    const conns = this.live(userId);
    const had = conns.delete(connectionId);
    const at = this.now();
    this.lastSeen.set(userId, at);
    return Promise.resolve({ lastConnection: had && conns.size === 0, lastSeen: new Date(at).toISOString() });
  }

  touch(userId: string, connectionId?: string): Promise<void> {
    const conns = this.live(userId);
    const at = this.now();
    if (connectionId !== undefined) {
      if (conns.has(connectionId)) conns.set(connectionId, at);
    } else {
      for (const id of conns.keys()) conns.set(id, at);
    }
    return Promise.resolve();
  }

  async setStatus(userId: string, status: PresenceStatus, statusMessage: string | null): Promise<PresenceInfo> {
    this.statuses.set(userId, { status, message: statusMessage, at: this.now() });
    this.lastSeen.set(userId, this.now());
    return (await this.getPresence([userId]))[userId] as PresenceInfo;
  }

  getPresence(userIds: string[]): Promise<Record<string, PresenceInfo>> {
    const out: Record<string, PresenceInfo> = {};
    const keepUntil = this.now() - this.ttls.lastSeenSeconds * 1000;
    for (const userId of userIds) {
      const conns = this.live(userId).size;
      const chosen = this.statuses.get(userId);
      const status = chosen && chosen.at > keepUntil ? chosen : undefined;
      const appearOffline = status?.status === 'offline';
      const isOnline = conns > 0 && !appearOffline;
      const seen = this.lastSeen.get(userId);
      out[userId] = {
        userId,
        status: isOnline ? (status?.status ?? 'online') : 'offline',
        statusMessage: status?.message ?? null,
        isOnline,
        lastSeen: seen !== undefined && seen > keepUntil ? new Date(seen).toISOString() : null,
        connections: conns,
      };
    }
    return Promise.resolve(out);
  }

  private typers(conversationId: string): Map<string, number> {
    const map = this.typing.get(conversationId) ?? new Map<string, number>();
    for (const [u, until] of map) if (until <= this.now()) map.delete(u);
    this.typing.set(conversationId, map);
    return map;
  }

  startTyping(conversationId: string, userId: string): Promise<void> {
    this.typers(conversationId).set(userId, this.now() + this.ttls.typingSeconds * 1000);
    return Promise.resolve();
  }

  stopTyping(conversationId: string, userId: string): Promise<boolean> {
    return Promise.resolve(this.typers(conversationId).delete(userId));
  }

  typingUsers(conversationId: string): Promise<string[]> {
    return Promise.resolve([...this.typers(conversationId).keys()]);
  }

  cacheReadMark(conversationId: string, userId: string, mark: ReadMark): Promise<void> {
    const marks = this.receipts.get(conversationId) ?? new Map<string, ReadMark & { at: number }>();
    const current = marks.get(userId);
    if (!current || current.seq < mark.seq) marks.set(userId, { ...mark, at: this.now() });
    this.receipts.set(conversationId, marks);
    return Promise.resolve();
  }

  readMarks(conversationId: string, userIds: string[]): Promise<Record<string, ReadMark | null>> {
    const marks = this.receipts.get(conversationId);
    const cutoff = this.now() - this.ttls.receiptSeconds * 1000;
    const out: Record<string, ReadMark | null> = {};
    for (const u of userIds) {
      const m = marks?.get(u);
      out[u] = m && m.at > cutoff ? { seq: m.seq, readAt: m.readAt } : null;
    }
    return Promise.resolve(out);
  }

  take(bucket: string, capacity: number, perSeconds: number): Promise<RateDecision> {
    const now = this.now();
    const rate = capacity / (perSeconds * 1000);
    const b = this.buckets.get(bucket) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + (now - b.at) * rate);
    b.at = now;
    this.buckets.set(bucket, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return Promise.resolve({ allowed: true, remaining: Math.floor(b.tokens), retryAfterSeconds: 0 });
    }
    return Promise.resolve({ allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000)) });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
