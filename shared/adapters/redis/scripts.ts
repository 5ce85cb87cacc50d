/** Lua scripts: each is one atomic round trip and reads the clock of the Redis server, so instances agree. */
const NOW = "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/** KEYS: conns. ARGV: connectionId, presenceMs, presenceSec → connections live before this one */
export const CONNECT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return before`;

/** KEYS: conns, lastseen. ARGV: connectionId, presenceMs, lastSeenSec → {removed, left, now} */
export const DISCONNECT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
local left = redis.call('ZCARD', KEYS[1])
redis.call('SET', KEYS[2], now, 'EX', ARGV[3])
return {removed, left, now}`;

/** KEYS: conns. ARGV: connectionId ('' = all), presenceMs, presenceSec */
export const TOUCH = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if ARGV[1] ~= '' then
  redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
else
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do redis.call('ZADD', KEYS[1], now, id) end
end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 0`;

/** KEYS: status, lastseen. ARGV: status, message, lastSeenSec */
export const SET_STATUS = `${NOW}
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'message', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], now, 'EX', ARGV[3])
return 0`;

/** KEYS: (conns, status, lastseen) per user. ARGV: presenceMs → per user {live, status, message, lastSeen} */
export const PRESENCE = `${NOW}
local out = {}
for i = 1, #KEYS, 3 do
  local live = redis.call('ZCOUNT', KEYS[i], now - tonumber(ARGV[1]), '+inf')
  local s = redis.call('HMGET', KEYS[i + 1], 'status', 'message')
  local seen = redis.call('GET', KEYS[i + 2])
  table.insert(out, {live, s[1] or '', s[2] or '', seen or ''})
end
return out`;

/** KEYS: typing. ARGV: userId, typingMs */
export const START_TYPING = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0`;

/** KEYS: typing. ARGV: userId → 1 when the user was typing (not expired) */
export const STOP_TYPING = `${NOW}
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
if expiry and tonumber(expiry) > now then return 1 end
return 0`;

/** KEYS: typing → users typing now */
export const TYPING_USERS = `${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], now + 1, '+inf')`;

/** KEYS: receipts. ARGV: userId, seq, json, receiptSec — forward only */
export const READ_MARK = `local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local ok, parsed = pcall(cjson.decode, cur)
  if ok and tonumber(parsed.seq) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`;

/** KEYS: bucket. ARGV: capacity, perSeconds → {allowed, remaining, retryAfterSeconds} */
export const TAKE = `${NOW}
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
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(per * 2))
return {allowed, math.floor(tokens), retry}`;
