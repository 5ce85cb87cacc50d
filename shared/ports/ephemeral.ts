import type { PresenceStatus } from '../domain/presence.js';

// why: the statuses and the appear-offline rule live in the domain; re-exported so callers keep one import
export { PRESENCE_STATUSES, type PresenceStatus } from '../domain/presence.js';

export interface PresenceInfo {
  userId: string;
  /** What the user chose (online/away/busy), or offline when no live connection is left. */
  status: PresenceStatus;
  statusMessage: string | null;
  isOnline: boolean;
  /** When the last connection went away or the user was last active; kept 30 days. */
  lastSeen: string | null;
  connections: number;
}

export interface RateDecision {
  allowed: boolean;
  remaining: number;
  /** Seconds until one more call would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

export interface OfflinePending {
  userId: string;
  /** When the mark was made (ISO 8601). */
  since: string;
}

export interface ReadMark {
  seq: number;
  readAt: string;
}

/**
 * Short-lived state shared by all instances: presence, typing, a read-receipt cache and rate limits.
 * Every key expires. Adapters: redis (ioredis) and memory (same semantics, one process).
 */
export interface EphemeralState {
  /** A connection came up. `firstConnection` is true when the user had no live connection before. */
  connect(userId: string, connectionId: string): Promise<{ firstConnection: boolean }>;
  /** A connection went away. `lastConnection` is true when no live connection is left. */
  disconnect(userId: string, connectionId: string): Promise<{ lastConnection: boolean; lastSeen: string }>;
  /** Activity: keeps the user's live connections from expiring (presence TTL). */
  touch(userId: string, connectionId?: string): Promise<void>;
  /** Whether the connection is one of the user's live ones (a heartbeat re-registers it when the state was lost). */
  hasConnection(userId: string, connectionId: string): Promise<boolean>;
  setStatus(userId: string, status: PresenceStatus, statusMessage: string | null): Promise<PresenceInfo>;
  /** Presence of many users in one round trip. */
  getPresence(userIds: string[]): Promise<Record<string, PresenceInfo>>;

  /**
   * Offline grace: the user's last connection went and their contacts have not been told yet. One mark per user in
   * one set for all users, dated now on the adapter's clock (a later mark moves it); the set expires `keepSeconds`
   * after the newest mark, so marks a sweep never took do not linger.
   */
  markOfflinePending(userId: string, keepSeconds: number): Promise<void>;
  /** Removes the user's mark atomically; true when it was there (their contacts never heard they left). */
  clearOfflinePending(userId: string): Promise<boolean>;
  /**
   * Takes (removes and returns, atomically, so two sweeps never share one) at most `limit` marks dated
   * `olderThanSeconds` or more ago, oldest first, with the moment each was made.
   */
  takeOfflineDue(olderThanSeconds: number, limit: number): Promise<OfflinePending[]>;

  /** Marks the user typing in the conversation; it expires by itself (10 s). */
  startTyping(conversationId: string, userId: string): Promise<void>;
  /** Returns true when the user was marked typing. */
  stopTyping(conversationId: string, userId: string): Promise<boolean>;
  typingUsers(conversationId: string): Promise<string[]>;

  /** Cache of read marks in front of the durable lastReadSeq (30 days); moves forward only. */
  cacheReadMark(conversationId: string, userId: string, mark: ReadMark): Promise<void>;
  readMarks(conversationId: string, userIds: string[]): Promise<Record<string, ReadMark | null>>;

  /**
   * Drops what is kept per conversation (typing, read-mark cache) once the conversation is gone (retention); returns
   * how many keys were removed. Calls expire by their own short TTL.
   */
  forgetConversation(conversationId: string): Promise<number>;

  /** A call in progress (call signaling): only a known call can be answered or ended; it expires after ttlSeconds. */
  putCall(conversationId: string, callId: string, ttlSeconds: number): Promise<void>;
  hasCall(conversationId: string, callId: string): Promise<boolean>;
  /** Returns true when the call was known. */
  deleteCall(conversationId: string, callId: string): Promise<boolean>;

  /** Token bucket: `capacity` tokens, refilled evenly over `perSeconds`; atomic across instances. */
  take(bucket: string, capacity: number, perSeconds: number): Promise<RateDecision>;

  /**
   * The spam guard's state of one send, in one round trip: counts a hit on `textKey` in a fixed window that opens at
   * its first hit and lasts `windowSeconds` (`repeats`: hits so far, this one included), and returns when the user was
   * first seen (the first call stores `at`, kept `keepSeconds`, never moved). Atomic across instances.
   */
  noteSend(
    userId: string,
    textKey: string,
    at: string,
    opts: { windowSeconds: number; keepSeconds: number },
  ): Promise<{ repeats: number; firstSeen: string }>;

  close(): Promise<void>;
}

/**
 * In seconds; fractions work (adapters expire to the millisecond), so tests can use TTLs of a few hundred ms. Expiry
 * runs on one clock per adapter: the Redis server's (`TIME`) for redis, an injectable `now` for the memory twin.
 */
export interface EphemeralTtls {
  /** default 300 */
  presenceSeconds: number;
  /** default 10 */
  typingSeconds: number;
  /** default 30 days */
  lastSeenSeconds: number;
  /** default 30 days */
  receiptSeconds: number;
}

export const DEFAULT_TTLS: EphemeralTtls = {
  presenceSeconds: 300,
  typingSeconds: 10,
  lastSeenSeconds: 30 * 86_400,
  receiptSeconds: 30 * 86_400,
};
