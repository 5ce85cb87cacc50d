import type { Redis } from 'ioredis';
import { isPresenceStatus, visiblePresence } from '../../domain/presence.js';
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
import type { LuaScript } from './scripts.js';
import * as lua from './scripts.js';

export interface RedisEphemeralOptions {
  ttls?: Partial<EphemeralTtls>;
  /** Prepended to every key; default `chat:`. */
  keyPrefix?: string;
}

/** What Redis holds for one user, turned into what others see by the domain's presence rule. */
function presenceOf(
  userId: string,
  row: { live: number; status: string | null; message: string | null; lastSeenMs: number | null },
): PresenceInfo {
  // why: an unknown stored value (older deploy, hand edit) reads as no choice, i.e. online
  const { status, isOnline, connections } = visiblePresence(isPresenceStatus(row.status) ? row.status : null, row.live);
  return {
    userId,
    status,
    statusMessage: row.message,
    isOnline,
    lastSeen: row.lastSeenMs === null ? null : new Date(row.lastSeenMs).toISOString(),
    connections,
  };
}

/** Positive whole milliseconds for PEXPIRE / PX. */
const ms = (seconds: number) => Math.max(1, Math.ceil(seconds * 1000));
/** An age in whole milliseconds, 0 allowed (a grace of 0 takes every mark). */
const ageMs = (seconds: number) => Math.max(0, Math.ceil(seconds * 1000));

const toNumber = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const toStringOrNull = (v: unknown): string | null =>
  typeof v === 'string' ? v : v instanceof Buffer ? v.toString() : null;

/**
 * Presence, typing, read-receipt cache and token buckets on Redis (see DESIGN.md §4).
 *
 * - Every method is one round trip: a Lua script (atomic, reading the Redis server clock with `TIME` so instances
 *   with skewed clocks agree) or one pipeline. Scripts go by EVALSHA and fall back to EVAL (which caches them) when
 *   the server answers NOSCRIPT (restart, failover, SCRIPT FLUSH).
 * - Every key has a TTL; no key is ever listed (no KEYS / SCAN).
 * - Keys (`{…}` is a Redis Cluster hash tag, so one user's presence keys share a slot and a script may touch them all):
 *   `presence:conns:{userId}` zset connectionId → last activity (ms), TTL presenceSeconds after the freshest one;
 *   `presence:status:{userId}` hash {status, message}, `presence:lastseen:{userId}` ms — both TTL lastSeenSeconds,
 *   refreshed by activity; `typing:{conversationId}` zset userId → expiry (ms), TTL typingSeconds;
 *   `receipts:{conversationId}` hash userId → JSON {seq, readAt}, TTL receiptSeconds after the last write;
 *   `rate:{bucket}` hash {tokens, ts}, TTL 2 × perSeconds;
 *   `presence:offline-pending` zset userId → when marked (ms), one key for all users (a sweep reads it by score,
 *   never by listing keys), TTL keepSeconds after the newest mark.
 * - Presence: a connection counts as live while its last activity is less than presenceSeconds ago, so the connection
 *   of a crashed instance goes away by itself while the user's other devices stay online. Last seen moves with
 *   activity (connect, touch, disconnect, setStatus), except while the user appears offline (`setStatus('offline')`):
 *   then it stays at the moment they chose to, and others see offline, no connections, that last seen.
 * - `close()` quits the client it was given (the container hands each adapter its own client).
 */
export class RedisEphemeralState implements EphemeralState {
  private readonly ttls: EphemeralTtls;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    opts: RedisEphemeralOptions = {},
  ) {
    this.ttls = { ...DEFAULT_TTLS, ...opts.ttls };
    this.prefix = opts.keyPrefix ?? 'chat:';
  }

  /** Key names, for tests and operators. */
  readonly key = {
    conns: (userId: string) => `${this.prefix}presence:conns:{${userId}}`,
    status: (userId: string) => `${this.prefix}presence:status:{${userId}}`,
    lastSeen: (userId: string) => `${this.prefix}presence:lastseen:{${userId}}`,
    typing: (conversationId: string) => `${this.prefix}typing:{${conversationId}}`,
    receipts: (conversationId: string) => `${this.prefix}receipts:{${conversationId}}`,
    bucket: (bucket: string) => `${this.prefix}rate:{${bucket}}`,
    call: (conversationId: string, callId: string) => `${this.prefix}call:{${conversationId}}:${callId}`,
    hits: (userId: string, textKey: string) => `${this.prefix}spam:{${userId}}:${textKey}`,
    firstSeen: (userId: string) => `${this.prefix}spam:first:{${userId}}`,
    offlinePending: () => `${this.prefix}presence:offline-pending`,
  };

  private userKeys(userId: string): string[] {
    return [this.key.conns(userId), this.key.status(userId), this.key.lastSeen(userId)];
  }

  /** EVALSHA; on NOSCRIPT, EVAL (which also puts the script back in the server's cache). */
  /**
   * Fails at once while the client is reconnecting: ephemeral state is optional to every caller, so a Redis outage
   * must cost nothing, not seconds of retries on every request. (While first connecting, commands still queue.)
   */
  private ensureUp(): void {
    const status = this.redis.status;
    if (status === 'reconnecting' || status === 'close' || status === 'end')
      throw new Error(`redis unavailable (${status})`);
  }

  private async run(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    this.ensureUp();
    if (keys.length !== script.keys)
      throw new Error(`script ${script.name} takes ${script.keys} keys, got ${keys.length}`);
    try {
      return await this.redis.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return this.redis.eval(script.lua, keys.length, ...keys, ...args);
    }
  }

  private get presenceArgs(): [number, number] {
    return [ms(this.ttls.presenceSeconds), ms(this.ttls.lastSeenSeconds)];
  }

  async connect(userId: string, connectionId: string): Promise<{ firstConnection: boolean }> {
    const before = toNumber(await this.run(lua.CONNECT, this.userKeys(userId), [connectionId, ...this.presenceArgs]));
    return { firstConnection: before === 0 };
  }

  async disconnect(userId: string, connectionId: string): Promise<{ lastConnection: boolean; lastSeen: string }> {
    const reply = (await this.run(lua.DISCONNECT, this.userKeys(userId), [
      connectionId,
      ...this.presenceArgs,
    ])) as unknown[];
    const [removed, left, seen] = reply.map(toNumber);
    return { lastConnection: removed === 1 && left === 0, lastSeen: new Date(seen ?? Date.now()).toISOString() };
  }

  async touch(userId: string, connectionId?: string): Promise<void> {
    await this.run(lua.TOUCH, this.userKeys(userId), [connectionId ?? '', ...this.presenceArgs]);
  }

  async hasConnection(userId: string, connectionId: string): Promise<boolean> {
    const reply = await this.run(
      lua.HAS_CONNECTION,
      [this.key.conns(userId)],
      [connectionId, ms(this.ttls.presenceSeconds)],
    );
    return toNumber(reply) === 1;
  }

  async setStatus(userId: string, status: PresenceStatus, statusMessage: string | null): Promise<PresenceInfo> {
    const [presenceMs, lastSeenMs] = this.presenceArgs;
    const reply = (await this.run(lua.SET_STATUS, this.userKeys(userId), [
      status,
      statusMessage === null ? '0' : '1',
      statusMessage ?? '',
      presenceMs,
      lastSeenMs,
    ])) as unknown[];
    const [live, seen] = reply.map(toNumber);
    return presenceOf(userId, { live: live ?? 0, status, message: statusMessage, lastSeenMs: seen ?? null });
  }

  /** One pipeline: the server's TIME, then per user the connections with their scores, the status and last seen. */
  async getPresence(userIds: string[]): Promise<Record<string, PresenceInfo>> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return {};
    this.ensureUp();
    const pipeline = this.redis.pipeline().time();
    for (const u of unique)
      pipeline
        .zrange(this.key.conns(u), 0, '-1', 'WITHSCORES')
        .hmget(this.key.status(u), 'status', 'message')
        .get(this.key.lastSeen(u));
    const replies = (await pipeline.exec()) ?? [];
    const results = replies.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
    const [time, ...rows] = results;
    const [sec, usec] = (time as unknown[]).map(toNumber);
    const cutoff = (sec ?? 0) * 1000 + Math.floor((usec ?? 0) / 1000) - ms(this.ttls.presenceSeconds);
    const out: Record<string, PresenceInfo> = {};
    unique.forEach((userId, i) => {
      // RESP2 and ioredis' legacy mapping give [member, score, …]; a RESP3 mapping gives [[member, score], …].
      const conns = ((rows[i * 3] as unknown[] | null) ?? []).flat();
      let live = 0;
      for (let j = 1; j < conns.length; j += 2) if (toNumber(conns[j]) > cutoff) live++;
      const [status, message] = ((rows[i * 3 + 1] as unknown[] | null) ?? []).map(toStringOrNull);
      const seen = toStringOrNull(rows[i * 3 + 2]);
      out[userId] = presenceOf(userId, {
        live,
        status: status ?? null,
        message: message ?? null,
        lastSeenMs: seen === null ? null : Number(seen),
      });
    });
    return out;
  }

  async markOfflinePending(userId: string, keepSeconds: number): Promise<void> {
    await this.run(lua.MARK_OFFLINE, [this.key.offlinePending()], [userId, ms(keepSeconds)]);
  }

  async clearOfflinePending(userId: string): Promise<boolean> {
    this.ensureUp();
    return (await this.redis.zrem(this.key.offlinePending(), userId)) === 1;
  }

  async takeOfflineDue(olderThanSeconds: number, limit: number): Promise<OfflinePending[]> {
    // why: LIMIT 0 -1 would mean "all" to Redis; the memory twin takes nothing for it too
    if (!(limit >= 1)) return [];
    const reply = (await this.run(
      lua.TAKE_OFFLINE_DUE,
      [this.key.offlinePending()],
      [ageMs(olderThanSeconds), Math.floor(limit)],
    )) as unknown[];
    const out: OfflinePending[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const userId = toStringOrNull(reply[i]);
      if (userId !== null) out.push({ userId, since: new Date(toNumber(reply[i + 1])).toISOString() });
    }
    return out;
  }

  async startTyping(conversationId: string, userId: string): Promise<void> {
    await this.run(lua.START_TYPING, [this.key.typing(conversationId)], [userId, ms(this.ttls.typingSeconds)]);
  }

  async stopTyping(conversationId: string, userId: string): Promise<boolean> {
    return toNumber(await this.run(lua.STOP_TYPING, [this.key.typing(conversationId)], [userId])) === 1;
  }

  async typingUsers(conversationId: string): Promise<string[]> {
    const reply = (await this.run(lua.TYPING_USERS, [this.key.typing(conversationId)], [])) as unknown[];
    return reply.map(toStringOrNull).filter((u): u is string => u !== null);
  }

  async cacheReadMark(conversationId: string, userId: string, mark: ReadMark): Promise<void> {
    const json = JSON.stringify({ seq: mark.seq, readAt: mark.readAt });
    await this.run(
      lua.READ_MARK,
      [this.key.receipts(conversationId)],
      [userId, mark.seq, json, ms(this.ttls.receiptSeconds)],
    );
  }

  async readMarks(conversationId: string, userIds: string[]): Promise<Record<string, ReadMark | null>> {
    const out: Record<string, ReadMark | null> = {};
    if (userIds.length === 0) return out;
    this.ensureUp();
    const values = await this.redis.hmget(this.key.receipts(conversationId), ...userIds);
    userIds.forEach((u, i) => {
      out[u] = parseMark(values[i] ?? null);
    });
    return out;
  }

  async putCall(conversationId: string, callId: string, ttlSeconds: number): Promise<void> {
    this.ensureUp();
    await this.redis.set(this.key.call(conversationId, callId), '1', 'PX', ms(ttlSeconds));
  }

  async hasCall(conversationId: string, callId: string): Promise<boolean> {
    this.ensureUp();
    return (await this.redis.exists(this.key.call(conversationId, callId))) === 1;
  }

  async deleteCall(conversationId: string, callId: string): Promise<boolean> {
    this.ensureUp();
    return (await this.redis.del(this.key.call(conversationId, callId))) === 1;
  }

  async take(bucket: string, capacity: number, perSeconds: number): Promise<RateDecision> {
    checkBucket(capacity, perSeconds);
    const reply = (await this.run(lua.TAKE, [this.key.bucket(bucket)], [capacity, perSeconds])) as unknown[];
    const [allowed, remaining, retry] = reply.map(toNumber);
    return { allowed: allowed === 1, remaining: remaining ?? 0, retryAfterSeconds: retry ?? 0 };
  }

  async noteSend(
    userId: string,
    textKey: string,
    at: string,
    opts: { windowSeconds: number; keepSeconds: number },
  ): Promise<{ repeats: number; firstSeen: string }> {
    this.ensureUp();
    const hits = this.key.hits(userId, textKey);
    const first = this.key.firstSeen(userId);
    // why SET NX then INCR: the window's TTL is set by its first hit only and INCR keeps it, so the window is fixed;
    // one MULTI: one round trip for both (the keys share the user's hash tag, so a cluster takes them together)
    const replies = await this.redis
      .multi()
      .set(hits, '0', 'PX', ms(opts.windowSeconds), 'NX')
      .incr(hits)
      .set(first, at, 'PX', ms(opts.keepSeconds), 'NX')
      .get(first)
      .exec();
    const stored = replies?.[3]?.[1];
    return { repeats: toNumber(replies?.[1]?.[1] ?? 0), firstSeen: typeof stored === 'string' ? stored : at };
  }

  /** Quits the client this adapter was given (once; later calls do nothing). */
  async forgetConversation(conversationId: string): Promise<number> {
    // why: both keys share the conversation's hash tag, so one DEL works on a cluster too
    return this.redis.del(this.key.typing(conversationId), this.key.receipts(conversationId));
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    await this.redis.quit();
  }
}

function parseMark(raw: string | null): ReadMark | null {
  if (raw === null) return null;
  try {
    const v = JSON.parse(raw) as { seq?: unknown; readAt?: unknown };
    return typeof v.seq === 'number' && typeof v.readAt === 'string' ? { seq: v.seq, readAt: v.readAt } : null;
  } catch {
    return null;
  }
}

/** A bucket that could never refill is a programming error (the memory twin refuses it too). */
function checkBucket(capacity: number, perSeconds: number): void {
  if (!(Number.isFinite(capacity) && capacity >= 1) || !(Number.isFinite(perSeconds) && perSeconds > 0)) {
    throw new RangeError(`token bucket needs capacity >= 1 and perSeconds > 0 (got ${capacity}, ${perSeconds})`);
  }
}
