import type { Redis } from 'ioredis';
import type { Clock } from '../../domain/clock.js';
import { within } from '../../domain/within.js';

/**
 * Closes a connection once Redis has answered every command asked for before the call, waiting
 * at most `timeoutMs`; past that, or when the connection is not up, the connection is dropped.
 * Never rejects.
 *
 * Why the PING: with auto-pipelining, a command asked for in this tick is written on the next
 * one, but ioredis never auto-pipelines QUIT and writes it at once, so Redis would close the
 * connection before the commands asked for just before it (an ack, a publish). The PING is
 * queued behind them and answered after them; QUIT follows its answer.
 */
export async function quitRedis(redis: Redis, clock: Clock, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') await within(clock, redis.ping().then(() => redis.quit()), timeoutMs);
  if (redis.status !== 'end') redis.disconnect();
}
