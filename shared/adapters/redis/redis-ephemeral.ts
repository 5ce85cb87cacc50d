import type { Redis } from 'ioredis';
import {
  DEFAULT_TTLS,
  type EphemeralState,
  type EphemeralTtls,
  type PresenceInfo,
  type PresenceStatus,
  type RateDecision,
  type ReadMark,
} from '../../ports/ephemeral.js';
import * as lua from './scripts.js';

const PRESENCE_STATUSES = new Set<string>(['online', 'away', 'busy', 'offline']);

/**
 * Presence, typing, read-receipt cache and token buckets on Redis. Every method is one round trip (a Lua script
 * or one pipeline), every key has a TTL, and no key is ever listed (no KEYS / SCAN).
 */
export class RedisEphemeralState implements EphemeralState {
  private readonly ttls: EphemeralTtls;
  private readonly prefix: string;
  private readonly shas = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    opts: { ttls?: Partial<EphemeralTtls>; keyPrefix?: string } = {},
  ) {
    this.ttls = { ...DEFAULT_TTLS, ...opts.ttls };
    this.prefix = opts.keyPrefix ?? 'chat:';
  }

  /** Key names, for tests and operators. */
  key = {
    conns: (u: string) => `${this.prefix}presence:conns:${u}`,
    lastSeen: (u: string) => `${this.prefix}presence:lastseen:${u}`,
    status: (u: string) => `${this.prefix}presence:status:${u}`,
    typing: (c: string) => `${this.prefix}typing:${c}`,
    receipts: (c: string) => `${this.prefix}receipts:${c}`,
    bucket: (b: string) => `${this.prefix}rate:${b}`,
  };

  /** EVALSHA with the script cached on the server; loads it on NOSCRIPT. */
  private async run(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    let sha = this.shas.get(script);
    if (sha !== undefined) {
      try {
        return await this.redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (e) {
        if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      }
    }
    sha = (await this.redis.script('LOAD', script)) as string;
    this.shas.set(script, sha);
    return this.redis.evalsha(sha, keys.length, ...keys, ...args);
  }

  private get presenceMs(): number {
    return this.ttls.presenceSeconds * 1000;
  }

  async connect(userId: string, connectionId: string): Promise<{ firstConnection: boolean }> {
    const before = Number(await this.run(lua.CONNECT, [this.key.conns(userId)], [connectionId, this.presenceMs, this.ttls.presenceSeconds]));
    return { firstConnection: before === 0 };
  }

  async disconnect(userId: string, connectionId: string): Promise<{ lastConnection: boolean; lastSeen: string }> {
    const [removed, left, now] = (await this.run(lua.DISCONNECT, [this.key.conns(userId), this.key.lastSeen(userId)], [connectionId, this.presenceMs, this.ttls.lastSeenSeconds])) as number[];
    return { lastConnection: removed === 1 && left === 0, lastSeen: new Date(Number(now)).toISOString() };
  }

  async touch(userId: string, connectionId?: string): Promise<void> {
    await this.run(lua.TOUCH, [this.key.conns(userId)], [connectionId ?? '', this.presenceMs, this.ttls.presenceSeconds]);
  }

  async setStatus(userId: string, status: PresenceStatus, statusMessage: string | null): Promise<PresenceInfo> {
    await this.run(lua.SET_STATUS, [this.key.status(userId), this.key.lastSeen(userId)], [status, statusMessage ?? '', this.ttls.lastSeenSeconds]);
    return (await this.getPresence([userId]))[userId] as PresenceInfo;
  }

  async getPresence(userIds: string[]): Promise<Record<string, PresenceInfo>> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return {};
    const keys = unique.flatMap((u) => [this.key.conns(u), this.key.status(u), this.key.lastSeen(u)]);
    const rows = (await this.run(lua.PRESENCE, keys, [this.presenceMs])) as [number, string, string, string][];
    const out: Record<string, PresenceInfo> = {};
    unique.forEach((userId, i) => {
      const [live, status, message, seen] = rows[i] ?? [0, '', '', ''];
      const chosen = PRESENCE_STATUSES.has(status) ? (status as PresenceStatus) : 'online';
      const isOnline = Number(live) > 0 && chosen !== 'offline';
      out[userId] = {
        userId,
        status: isOnline ? chosen : 'offline',
        statusMessage: message === '' ? null : message,
        isOnline,
        lastSeen: seen === '' ? null : new Date(Number(seen)).toISOString(),
        connections: Number(live),
      };
    });
    return out;
  }

  async startTyping(conversationId: string, userId: string): Promise<void> {
    await this.run(lua.START_TYPING, [this.key.typing(conversationId)], [userId, this.ttls.typingSeconds * 1000]);
  }

  async stopTyping(conversationId: string, userId: string): Promise<boolean> {
    return Number(await this.run(lua.STOP_TYPING, [this.key.typing(conversationId)], [userId])) === 1;
  }

  async typingUsers(conversationId: string): Promise<string[]> {
    return (await this.run(lua.TYPING_USERS, [this.key.typing(conversationId)], [])) as string[];
  }

  async cacheReadMark(conversationId: string, userId: string, mark: ReadMark): Promise<void> {
    await this.run(lua.READ_MARK, [this.key.receipts(conversationId)], [userId, mark.seq, JSON.stringify(mark), this.ttls.receiptSeconds]);
  }

  async readMarks(conversationId: string, userIds: string[]): Promise<Record<string, ReadMark | null>> {
    if (userIds.length === 0) return {};
    const values = await this.redis.hmget(this.key.receipts(conversationId), ...userIds);
    const out: Record<string, ReadMark | null> = {};
    userIds.forEach((u, i) => {
      const raw = values[i];
      out[u] = raw ? (JSON.parse(raw) as ReadMark) : null;
    });
    return out;
  }

  async take(bucket: string, capacity: number, perSeconds: number): Promise<RateDecision> {
    const [allowed, remaining, retry] = (await this.run(lua.TAKE, [this.key.bucket(bucket)], [capacity, perSeconds])) as number[];
    return { allowed: allowed === 1, remaining: Number(remaining), retryAfterSeconds: Number(retry) };
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
