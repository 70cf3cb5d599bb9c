import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script and its SHA1, computed once. */
export interface LuaScript {
  readonly text: string;
  readonly sha: string;
}

export const luaScript = (text: string): LuaScript => ({ text, sha: createHash('sha1').update(text).digest('hex') });

/**
 * Runs `script` with `EVALSHA`, and with its text only when Redis does not have it cached (a
 * fresh or restarted server, `SCRIPT FLUSH`): nothing ran in that case, so sending it again is
 * safe. Leaves a borrowed client as it was, where `defineCommand` would add a method to it.
 */
export async function runScript(redis: Redis, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    // Redis tells a missing script only by the code that starts its error reply.
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    return await redis.eval(script.text, keys.length, ...keys, ...args);
  }
}
