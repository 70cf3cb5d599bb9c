import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/app/cli/runCli.js';
import { loadConfig } from '../../src/app/config.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { testAuthEnv } from '../support/auth.js';
import { until } from '../support/realtimeClient.js';

// `orderly tail` in process against a whole Orderly on the embedded broker: a ticket for the
// token, the WebSocket, one line per change of an order posted over HTTP.
const HOUR_MS = 3_600_000;
let orderly: Orderly;
let user: string;

beforeAll(async () => {
  orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ORDERLY_WS_HEARTBEAT_MS: '1000', ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
  user = await orderly.auth.signAccessToken('tail-u1', 'user', HOUR_MS);
});
afterAll(() => orderly?.stop());

/** Starts `orderly tail …`; `output` fills as it runs. */
function tail(args: string[], env: Record<string, string> = {}) {
  const output = { stdout: '', stderr: '' };
  const interrupts = new Set<() => void>();
  const exit = runCli(['tail', ...args], {
    env: { ORDERLY_URL: orderly.url, ORDERLY_TOKEN: user, ...env },
    stdout: (t) => void (output.stdout += t),
    stderr: (t) => void (output.stderr += t),
    onInterrupt: (handler) => {
      interrupts.add(handler);
      return () => interrupts.delete(handler);
    },
  });
  const subscribed = (topic: string) => until(() => output.stderr.includes(`subscribed to ${topic} `), () => `subscribed to ${topic}; stderr: ${output.stderr}`, 5_000);
  return { output, exit, interrupts, subscribed };
}

async function postOrder(orderId: string, token = user): Promise<void> {
  const response = await fetch(`${orderly.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ orderId, items: [{ productId: 'p', quantity: 2, priceCents: 350 }], totalCents: 700, currency: 'EUR' }),
  });
  expect(response.status).toBe(202);
}

describe('orderly tail - the real-time feed on the command line', () => {
  it('prints one line per change of the order it follows, and exits after --count', async () => {
    const run = tail(['--topic', 'order:tail-o1', '--count', '1']);
    await run.subscribed('order:tail-o1');
    await postOrder('tail-o1');
    expect(await run.exit).toBe(0);
    expect(run.output.stdout).toMatch(/^\d+ {2}order:tail-o1 {2}order\.created {2}tail-o1 {2}pending {2}\S+\n$/);
    expect(run.interrupts.size, 'the Ctrl-C handler is removed').toBe(0);
  });

  it('--json prints the frames as they came, for several topics', async () => {
    const run = tail(['--topic', 'order:tail-o2', '--topic', 'user:tail-u1', '--count', '2', '--json'], { ORDERLY_URL: `${orderly.url}/` });
    await run.subscribed('order:tail-o2');
    await run.subscribed('user:tail-u1');
    await postOrder('tail-o2');
    expect(await run.exit).toBe(0);
    const frames = run.output.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; topic: string; event: { snapshot: { orderId: string } } });
    expect(frames.map((f) => f.topic).sort()).toEqual(['order:tail-o2', 'user:tail-u1']);
    for (const frame of frames) expect(frame).toMatchObject({ type: 'event', event: { snapshot: { orderId: 'tail-o2' } } });
  });

  it('Ctrl-C ends it cleanly (exit 0)', async () => {
    const run = tail(['--topic', 'user:tail-u1']);
    await run.subscribed('user:tail-u1');
    for (const interrupt of run.interrupts) interrupt();
    expect(await run.exit).toBe(0);
    expect(run.output.stdout).toBe('');
  });

  it('a refused topic or token is a failure (exit 1); no token or topic is a usage error (exit 2)', async () => {
    const forbidden = tail(['--topic', 'admin:all']);
    expect(await forbidden.exit).toBe(1);
    expect(forbidden.output.stderr).toContain('admin:all: forbidden');

    const badToken = tail(['--topic', 'user:x', '--token', 'not-a-jwt']);
    expect(await badToken.exit).toBe(1);
    expect(badToken.output.stderr).toContain('401');

    expect(await tail(['--topic', 'user:x'], { ORDERLY_TOKEN: '' }).exit).toBe(2);
    const noTopic = tail([]);
    expect(await noTopic.exit).toBe(2);
    expect(noTopic.output.stderr).toContain('--topic');
    const down = tail(['--topic', 'user:x', '--url', 'http://127.0.0.1:1']);
    expect(await down.exit).toBe(1);
    expect(down.output.stderr).toContain('no answer');

    const help = tail(['--help']);
    expect(await help.exit).toBe(0);
    for (const word of ['--topic', '--count', '--url', '--token', 'ORDERLY_TOKEN', 'order:<id>']) expect(help.output.stdout).toContain(word);
  });

  it('an Orderly that shuts down ends it with a failure (exit 1), saying so', async () => {
    const other = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...testAuthEnv }), { logger: pino({ level: 'silent' }) });
    try {
      const run = tail(['--topic', 'user:tail-u1'], { ORDERLY_URL: other.url });
      await run.subscribed('user:tail-u1');
      await other.stop();
      expect(await run.exit).toBe(1);
      expect(run.output.stderr).toContain('closed by Orderly (1001 server shutting down)');
    } finally {
      await other.stop();
    }
  });
});
