import { spawn, type ChildProcess } from 'node:child_process';

/** The built entry point, as `npm start` runs it (`npm run build` first). */
const MAIN = new URL('../../dist/src/app/main.js', import.meta.url).pathname;

export interface SpawnedOrderly {
  readonly child: ChildProcess;
  /** Base URL of its HTTP server, as it printed it. */
  readonly url: string;
  /** Everything it wrote to stdout and stderr so far, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves with the exit code. Idempotent. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts Orderly from `dist` with `env` over the test's own environment, and resolves once it has
 * printed its URL and `/readyz` answers 200 (its sources consume), within `timeoutMs`.
 */
export async function spawnOrderly(env: Record<string, string>, timeoutMs = 30_000): Promise<SpawnedOrderly> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping: Promise<number | null> | undefined;
  const stop = (graceMs = 10_000) =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    })());

  const deadline = Date.now() + timeoutMs;
  try {
    let url: string | undefined;
    while (url === undefined) {
      url = /API\s+(http:\/\/\S+)/.exec(out)?.[1];
      if (child.exitCode !== null) throw new Error(`Orderly exited with ${child.exitCode}: ${out}`);
      if (Date.now() > deadline) throw new Error(`Orderly printed no URL within ${timeoutMs} ms: ${out}`);
      if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    while ((await fetch(`${url}/readyz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error(`Orderly was not ready within ${timeoutMs} ms: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { child, url, output: () => out, stop };
  } catch (error) {
    await stop(1_000);
    throw error;
  }
}

/** Resolves with the signal that ended the process (null for a plain exit), within `timeoutMs`. */
export async function killedBy(orderly: SpawnedOrderly, timeoutMs: number): Promise<NodeJS.Signals | null> {
  if (orderly.child.exitCode !== null || orderly.child.signalCode !== null) return orderly.child.signalCode;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no crash within ${timeoutMs} ms: ${orderly.output().slice(-2000)}`)), timeoutMs);
    orderly.child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal);
    });
  });
}
