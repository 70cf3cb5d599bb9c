import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET, tokenFor } from '../support/auth.js';

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

describe('process - tokens', () => {
  const order = { orderId: `proc-${process.pid}-${Date.now().toString(36)}`, userId: 'u1', items: [{ productId: 'p1', quantity: 2, priceCents: 500 }], totalCents: 1000 };

  it('makes a secret when ORDERLY_JWT_SECRET is unset and prints a user and an admin token that work', async () => {
    const orderly = start({ PORT: '0', ORDERLY_JWT_SECRET: '' });
    try {
      const url = await orderly.url();
      const { stdout } = orderly.output();
      const userToken = /user u1\s+(\S+)/.exec(stdout)?.[1];
      const adminToken = /admin\s+(\S+)/.exec(stdout)?.[1];
      expect(userToken, stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(adminToken, stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(stdout).toContain(`-H 'authorization: Bearer ${userToken}'`); // the curl example is ready to paste

      const post = (token: string | undefined) =>
        fetch(`${url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(order),
        });
      expect((await post(undefined)).status).toBe(401);
      expect((await post(userToken)).status).toBe(202);
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = (await fetch(`${url}/orders/${order.orderId}`, { headers: { authorization: `Bearer ${adminToken}` } })).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe(200);
      // The run's secret is its own: a token made with any other secret is refused.
      expect((await fetch(`${url}/orders/${order.orderId}`, { headers: { authorization: `Bearer ${await tokenFor('u1')}` } })).status).toBe(401);
    } finally {
      orderly.child.kill('SIGTERM');
      await orderly.exited;
    }
  });

  it('with ORDERLY_JWT_SECRET set, takes tokens made elsewhere with it and prints none', async () => {
    const orderly = start({ PORT: '0', ORDERLY_JWT_SECRET: TEST_JWT_SECRET });
    try {
      const url = await orderly.url();
      const { stdout } = orderly.output();
      expect(stdout).toContain('signed with ORDERLY_JWT_SECRET');
      expect(stdout).not.toMatch(/[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/); // no token printed
      expect(stdout).not.toContain(TEST_JWT_SECRET);
      const response = await fetch(`${url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor('u1')}` },
        body: JSON.stringify({ ...order, orderId: `${order.orderId}-b` }),
      });
      expect(response.status).toBe(202);
    } finally {
      orderly.child.kill('SIGTERM');
      await orderly.exited;
    }
  });

  it('exits 2 on a secret under 32 bytes, naming the variable without echoing the secret', async () => {
    const orderly = start({ PORT: '0', ORDERLY_JWT_SECRET: 'hunter2-but-short' });
    expect(await orderly.exited).toBe(2);
    const { stderr } = orderly.output();
    expect(stderr).toContain('ORDERLY_JWT_SECRET=(hidden): must be at least 32 bytes');
    expect(stderr).not.toContain('hunter2');
  });
});
