import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Runs the real entry point (`npm start` runs the same file after building; `npm test` builds first).
const main = new URL('../../dist/src/app/main.js', import.meta.url).pathname;

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [main], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = async (): Promise<string> => {
    for (let i = 0; i < 100; i++) {
      const match = /API\s+(http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) return match[1];
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`no address printed; stdout: ${stdout} stderr: ${stderr}`);
  };
  return { child, exited, url, output: () => ({ stdout, stderr }) };
}

describe('process - start and stop', () => {
  it('prints where it serves, and exits 0 on SIGTERM', async () => {
    const orderly = start({ PORT: '0' });
    const url = await orderly.url();
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    orderly.child.kill('SIGTERM');
    expect(await orderly.exited).toBe(0);
  });

  it('exits 1 with one line naming the broker when a source is unreachable at start', async () => {
    const orderly = start({ PORT: '0', ORDERLY_SOURCES: 'rabbitmq', AMQP_URL: 'amqp://guest:secret@127.0.0.1:1' });
    expect(await orderly.exited).toBe(1);
    const { stderr } = orderly.output();
    expect(stderr).toMatch(/orderly: failed to start: rabbitmq \(AMQP_URL=amqp:\/\/\*\*\*@127\.0\.0\.1:1\) is unreachable: .*ECONNREFUSED/);
    expect(stderr).not.toContain('secret');
  });

  it('exits 2 on a bad setting with a message that names the variable', async () => {
    const orderly = start({ PORT: '0', ORDERLY_CREDIT: 'lots' });
    expect(await orderly.exited).toBe(2);
    expect(orderly.output().stderr).toContain('ORDERLY_CREDIT="lots": must be a number');
  });
});
