/**
 * Records one probe result into a check's history, atomically and once per `runAt` (a retried
 * or duplicated job changes nothing). Buckets are fixed-size ring slots (layout.ts); the ring
 * string is allocated at full length on first use so its size never changes afterwards.
 * A transition is recorded whenever the state machine's state differs from the last one the
 * history saw, so a transition lost between the state write and this call is made up on the
 * next result.
 *
 * KEYS: meta, fine ring, coarse ring, transitions
 * ARGV: runAt, at, success 1/0, durationMs, state, stateSince, reason,
 *       maxTransitions, fineBucketMs, fineSlots, coarseBucketMs, coarseSlots
 */
export const RECORD_HISTORY = `
local meta, trans = KEYS[1], KEYS[4]
local runAt, at = tonumber(ARGV[1]), tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', meta, 'lastRunAt') or '-1')
if runAt <= last then return 0 end
local ok = ARGV[3] == '1'
local ms = math.max(0, math.floor(tonumber(ARGV[4]) + 0.5))
local function bump(key, size, slots)
  local n = math.floor(at / size)
  local off = (n % slots) * 16
  if redis.call('STRLEN', key) < slots * 16 then redis.call('SETRANGE', key, slots * 16 - 1, '\\0') end
  local b, c, s, sum, mx = struct.unpack('>I4I2I2I4I4', redis.call('GETRANGE', key, off, off + 15))
  if b ~= n then c, s, sum, mx = 0, 0, 0, 0 end
  c = math.min(c + 1, 65535)
  if ok then s = math.min(s + 1, 65535) end
  sum = math.min(sum + ms, 4294967295)
  mx = math.min(math.max(mx, ms), 4294967295)
  redis.call('SETRANGE', key, off, struct.pack('>I4I2I2I4I4', n, c, s, sum, mx))
end
bump(KEYS[2], tonumber(ARGV[9]), tonumber(ARGV[10]))
bump(KEYS[3], tonumber(ARGV[11]), tonumber(ARGV[12]))
redis.call('HSETNX', meta, 'firstAt', at)
redis.call('HSETNX', meta, 'since', at)
local prev = redis.call('HGET', meta, 'state') or 'unknown'
local state = ARGV[5]
local recorded = 0
if state ~= prev and state ~= 'unknown' then
  local since = tonumber(ARGV[6]) or at
  local prevSince = tonumber(redis.call('HGET', meta, 'since')) or since
  redis.call('LPUSH', trans, string.format('%d|%s|%s|%d|%s', since, state, prev, math.max(0, since - prevSince), ARGV[7]))
  redis.call('LTRIM', trans, 0, tonumber(ARGV[8]) - 1)
  redis.call('HSET', meta, 'state', state, 'since', since)
  recorded = 1
end
redis.call('HSET', meta, 'lastRunAt', runAt, 'lastAt', at)
return 1 + recorded
`;
