import { luaScript } from './runScript.js';

// Every entry is a hash `{json, sets}` whose key is also its member in the index and in the
// filter sets it belongs to (`sets`, the list of those keys): eviction and deletion find every
// set an entry is in from the entry itself, in one atomic step, so no set keeps a dangling
// member and the index never exceeds its bound between commands.

/**
 * KEYS: index, entry, ...filter sets. ARGV: score (lastFailedAt ms), json, maxEntries.
 * Replaces an entry of the same id, then evicts the lowest scores past maxEntries. Returns the number evicted.
 */
export const ADD_DEAD_LETTER = luaScript(`
local function unlink(entry)
  local sets = redis.call('HGET', entry, 'sets')
  if sets then
    for _, set in ipairs(cjson.decode(sets)) do redis.call('ZREM', set, entry) end
  end
  redis.call('DEL', entry)
  redis.call('ZREM', KEYS[1], entry)
end
unlink(KEYS[2])
local sets = {}
for i = 3, #KEYS do
  sets[#sets + 1] = KEYS[i]
  redis.call('ZADD', KEYS[i], ARGV[1], KEYS[2])
end
redis.call('HSET', KEYS[2], 'json', ARGV[2], 'sets', #sets == 0 and '[]' or cjson.encode(sets))
redis.call('ZADD', KEYS[1], ARGV[1], KEYS[2])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if over <= 0 then return 0 end
for _, victim in ipairs(redis.call('ZRANGE', KEYS[1], 0, over - 1)) do unlink(victim) end
return over
`);

/** KEYS: index, entry. Removes the entry from every set it is in. Returns 1 when it was there, else 0. */
export const DELETE_DEAD_LETTER = luaScript(`
local sets = redis.call('HGET', KEYS[2], 'sets')
redis.call('ZREM', KEYS[1], KEYS[2])
if not sets then return 0 end
for _, set in ipairs(cjson.decode(sets)) do redis.call('ZREM', set, KEYS[2]) end
redis.call('DEL', KEYS[2])
return 1
`);
