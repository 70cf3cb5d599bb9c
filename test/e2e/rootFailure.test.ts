import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { testAuthEnv } from '../support/auth.js';
import { spawnOrderly, type SpawnedOrderly } from '../support/spawnOrderly.js';

/**
 * The root of the supervision tree giving up: a source whose broker stays down is restarted with
 * backoff (`/readyz` names it meanwhile) until its supervisor's intensity is spent; then Orderly
 * shuts down cleanly and exits 1 instead of hanging without a broker. The Redis here is the
 * test's own, on a spare port: the machine's shared one is never stopped.
 */
const processes: SpawnedOrderly[] = [];
let redis: ChildProcess | undefined;

afterAll(async () => {
  for (const orderly of processes) await orderly.stop(1_000);
  if (redis && redis.exitCode === null) redis.kill('SIGKILL');
});

async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('supervision - root failure', () => {
  it('restarts a failed source, reports it on /readyz, and past the intensity exits 1 after a clean shutdown', async () => {
    const port = await sparePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const redisExited = new Promise((resolve) => redis!.once('exit', resolve));
    const env = {
      PORT: '0',
      LOG_LEVEL: 'info',
      ORDERLY_SOURCES: 'redis-list', // its consumer fails when Redis is gone (the Streams one waits for it)
      REDIS_URL: `redis://127.0.0.1:${port}`,
      ORDERLY_RETRY_BASE_MS: '100',
      ORDERLY_RETRY_MAX_MS: '400',
      ORDERLY_SOURCE_RESTART_INTENSITY: '1', // 2 failures per gateways round, 4 rounds (the pipeline supervisor restarts it 3 times)
      ...testAuthEnv,
    };
    let orderly: SpawnedOrderly | undefined;
    for (let i = 0; i < 50 && !orderly; i++) {
      orderly = await spawnOrderly(env).catch(async () => {
        await new Promise((r) => setTimeout(r, 100)); // the Redis may still be starting
        return undefined;
      });
    }
    expect(orderly).toBeDefined();
    processes.push(orderly!);
    const exited = new Promise<number | null>((resolve) => orderly!.child.once('exit', (code) => resolve(code)));

    // Readiness is watched throughout: while the supervisor restarts the source, it names it.
    const details: string[] = [];
    const poll = setInterval(() => {
      fetch(`${orderly!.url}/readyz`)
        .then(async (r) => {
          const body = (await r.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
          const check = body.checks['source:redis-list'];
          if (check && !check.ok && check.detail) details.push(check.detail);
        })
        .catch(() => undefined);
    }, 20);
    try {
      redis.kill('SIGKILL');
      await redisExited;
      expect(await exited).toBe(1);
    } finally {
      clearInterval(poll);
    }
    const output = orderly!.output();
    expect(output).toContain('source failed; the supervisor restarts it');
    expect(output).toContain('a supervisor gave up: shutting down');
    expect(details.some((detail) => detail.startsWith('reconnecting'))).toBe(true);
  }, 120_000);
});
