import { luaScript } from './runScript.js';

/**
 * The sequencer: takes the next number and publishes `<seq> <json>` in one script. Redis runs one
 * script at a time, so the order in which frames reach every subscriber is the order of their
 * numbers: every instance sees the same sequence, strictly increasing.
 *
 * A missing counter (first use, or lost with a Redis restarted without persistence, as the
 * project's machines run it) starts at Redis' clock in microseconds, not at 0: numbers never go
 * back after such a loss as long as fewer than one message per microsecond was published on
 * average since the counter last started (and Redis' clock does not jump back). Such numbers stay
 * below 2^53 (exact in JavaScript) until the 2250s.
 *
 * `string.format('%.0f')` because Lua 5.1 numbers are doubles and `..` would print them with 14
 * significant digits; the integer reply Redis makes of the returned number is exact.
 *
 * KEYS[1] the counter; ARGV[1] the channel, ARGV[2] the message JSON. Returns the sequence number.
 */
export const SEQUENCE_AND_PUBLISH = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[1], now[1] .. string.format('%06d', tonumber(now[2])))
end
local seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], string.format('%.0f', seq) .. ' ' .. ARGV[2])
return seq
`);
