import { createHash } from 'node:crypto';

/** A Lua script run with EVALSHA (its SHA-1 is known up front, so the steady state is one round trip). */
export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
  readonly keys: number;
}

function script(name: string, keys: number, lua: string): LuaScript {
  return { name, lua, keys, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Every script reads the clock of the Redis server (`TIME`), so instances with skewed clocks agree on expiry and
 * refill. Times are epoch milliseconds, TTLs are passed in milliseconds (PEXPIRE / PX), so fractional seconds work.
 */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Presence keys of one user: KEYS[1] conns (zset connectionId → last activity), KEYS[2] status (hash), KEYS[3]
 * last seen (string, ms). ARGV[3] is always the last-seen TTL (ms).
 *
 * `seen()`: the user was active now. Refreshes the status TTL and writes last seen — unless the user appears
 * offline, in which case last seen stays frozen at the moment they chose to (it only gets its TTL refreshed).
 */
const SEEN = `local function seen()
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  if redis.call('HGET', KEYS[2], 'status') == 'offline' then
    local frozen = tonumber(redis.call('GET', KEYS[3]))
    if frozen then
      redis.call('PEXPIRE', KEYS[3], ARGV[3])
      return frozen
    end
  end
  redis.call('SET', KEYS[3], now, 'PX', ARGV[3])
  return now
end`;

/** Drops connections whose last activity is presenceMs or more ago (a crashed instance never says goodbye). */
const PRUNE = `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))`;

/** The conns key lives exactly as long as its freshest connection. */
const EXPIRE_CONNS = `local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] then redis.call('PEXPIREAT', KEYS[1], tonumber(newest[2]) + tonumber(ARGV[2])) end`;

/** KEYS: conns, status, lastseen. ARGV: connectionId, presenceMs, lastSeenMs → live connections before this one */
export const CONNECT = script(
  'connect',
  3,
  `${NOW}
${SEEN}
${PRUNE}
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], now, ARGV[1])
${EXPIRE_CONNS}
seen()
return before`,
);

/** KEYS: conns, status, lastseen. ARGV: connectionId, presenceMs, lastSeenMs → {removed, left, lastSeenMs} */
export const DISCONNECT = script(
  'disconnect',
  3,
  `${NOW}
${SEEN}
${PRUNE}
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
local left = redis.call('ZCARD', KEYS[1])
${EXPIRE_CONNS}
return {removed, left, seen()}`,
);

/** KEYS: conns, status, lastseen. ARGV: connectionId ('' = all live ones), presenceMs, lastSeenMs. Never revives a pruned connection. */
export const TOUCH = script(
  'touch',
  3,
  `${NOW}
${SEEN}
${PRUNE}
if ARGV[1] ~= '' then
  redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
else
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do redis.call('ZADD', KEYS[1], 'XX', now, id) end
end
${EXPIRE_CONNS}
seen()
return 0`,
);

/** KEYS: conns. ARGV: connectionId, presenceMs → 1 when the connection is live (its last activity is recent). */
export const HAS_CONNECTION = script(
  'hasConnection',
  1,
  `${NOW}
local at = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if at and at > now - tonumber(ARGV[2]) then return 1 end
return 0`,
);

/**
 * KEYS: conns, status, lastseen. ARGV: status, hasMessage ('1'/'0'), message, presenceMs, lastSeenMs
 * → {live connections, lastSeenMs}. Choosing a status counts as activity (last seen = now), except that staying
 * "offline" keeps last seen frozen.
 */
export const SET_STATUS = script(
  'setStatus',
  3,
  `${NOW}
local ttl = ARGV[5]
local prev = redis.call('HGET', KEYS[2], 'status')
if ARGV[2] == '1' then
  redis.call('HSET', KEYS[2], 'status', ARGV[1], 'message', ARGV[3])
else
  redis.call('HSET', KEYS[2], 'status', ARGV[1])
  redis.call('HDEL', KEYS[2], 'message')
end
redis.call('PEXPIRE', KEYS[2], ttl)
local seenAt = nil
if prev == 'offline' and ARGV[1] == 'offline' then seenAt = tonumber(redis.call('GET', KEYS[3])) end
if seenAt then
  redis.call('PEXPIRE', KEYS[3], ttl)
else
  seenAt = now
  redis.call('SET', KEYS[3], now, 'PX', ttl)
end
local live = redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%d', now - tonumber(ARGV[4])), '+inf')
return {live, seenAt}`,
);

/** KEYS: typing (zset userId → expiry ms). ARGV: userId, typingMs */
export const START_TYPING = script(
  'startTyping',
  1,
  `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0`,
);

/** KEYS: typing. ARGV: userId → 1 when the user was typing (and not expired) */
export const STOP_TYPING = script(
  'stopTyping',
  1,
  `${NOW}
local expiry = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
redis.call('ZREM', KEYS[1], ARGV[1])
if expiry and expiry > now then return 1 end
return 0`,
);

/** KEYS: typing → the users typing now (read only) */
export const TYPING_USERS = script(
  'typingUsers',
  1,
  `${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%d', now), '+inf')`,
);

/** KEYS: receipts (hash userId → JSON mark). ARGV: userId, seq, json, receiptMs → 1 when written (forward only) */
export const READ_MARK = script(
  'readMark',
  1,
  `local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local ok, parsed = pcall(cjson.decode, cur)
  if ok and type(parsed) == 'table' and tonumber(parsed.seq) and tonumber(parsed.seq) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`,
);

/**
 * Token bucket. KEYS: bucket (hash tokens, ts). ARGV: capacity, perSeconds → {allowed, remaining, retryAfterSeconds}.
 * Refill is capacity/perSeconds per second; the key expires after 2 × perSeconds (by then a bucket is full again,
 * which is what a missing key means).
 */
export const TAKE = script(
  'take',
  1,
  `${NOW}
local cap = tonumber(ARGV[1])
local per = tonumber(ARGV[2]) * 1000
local rate = cap / per
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local allowed, retry = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.max(1, math.ceil((1 - tokens) / rate / 1000))
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(per * 2))
return {allowed, math.floor(tokens), retry}`,
);

/** KEYS: offline-pending (zset userId → when marked, ms). ARGV: userId, keepMs. A later mark moves the user's. */
export const MARK_OFFLINE = script(
  'markOffline',
  1,
  `${NOW}
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0`,
);

/**
 * KEYS: offline-pending. ARGV: ageMs, limit → {userId, markedMs, …}: at most `limit` marks made ageMs or more ago,
 * oldest first, removed in the same step, so two sweeps never take the same one.
 */
export const TAKE_OFFLINE_DUE = script(
  'takeOfflineDue',
  1,
  `${NOW}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - tonumber(ARGV[1])), 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #due, 2 do redis.call('ZREM', KEYS[1], due[i]) end
return due`,
);
