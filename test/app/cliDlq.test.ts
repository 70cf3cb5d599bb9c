import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import ts from 'typescript';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpAuth } from '../../src/gateways/http/auth/index.js';
import { registerDlqRoutes } from '../../src/gateways/http/dlqRoutes.js';
import { createMemoryDeadLetterStore } from '../../src/gateways/memory/createMemoryDeadLetterStore.js';
import { createMemoryDedupStore } from '../../src/gateways/memory/createMemoryDedupStore.js';
import type { DeadLetterStore } from '../../src/streams/deadLetterStore.js';
import { replayDeadLetter } from '../../src/streams/replayDeadLetter.js';
import type { OutboundMessage } from '../../src/streams/source.js';
import { TEST_JWT_SECRET, tokenFor } from '../support/auth.js';
import { deadLetterEntry } from '../contract/deadLetterStoreContract.js';

// The CLI as a user runs it: its own process, talking HTTP to a server in this test. Its files
// import only each other and node:, so they are transpiled on their own into a temp folder
// (no build of the whole project needed).
const CLI_SOURCE = new URL('../../src/app/cli/', import.meta.url).pathname;
let cliDir: string;
let app: FastifyInstance;
let url: string;
let admin: string;
let store: DeadLetterStore;
let published: { channel: string; message: OutboundMessage }[];

beforeAll(async () => {
  cliDir = await mkdtemp(join(tmpdir(), 'orderly-cli-'));
  await writeFile(join(cliDir, 'package.json'), '{"type":"module"}');
  for (const file of await readdir(CLI_SOURCE)) {
    if (!file.endsWith('.ts')) continue;
    const { outputText } = ts.transpileModule(await readFile(join(CLI_SOURCE, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    await writeFile(join(cliDir, file.replace(/\.ts$/, '.js')), outputText);
  }
  const auth = createHttpAuth({ secret: TEST_JWT_SECRET, ticketTtlMs: 30_000, allowedOrigins: [] }, { dedup: createMemoryDedupStore() });
  app = Fastify();
  store = createMemoryDeadLetterStore();
  const sink = { publish: async (channel: string, message: OutboundMessage) => void published.push({ channel, message }) };
  registerDlqRoutes(app, { auth, store: { get: (id) => store.get(id), list: (f) => store.list(f), delete: (id) => store.delete(id) }, replay: (entry) => replayDeadLetter(entry, { store, sinkFor: () => sink }) });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  admin = await tokenFor('ops', 'admin');
});

afterAll(async () => {
  await app?.close();
  if (cliDir) await rm(cliDir, { recursive: true, force: true });
});

beforeEach(async () => {
  for (const entry of await store.list({ limit: 1000 })) await store.delete(entry.id);
  published = [];
});

/** Runs `orderly …` in a child process (async: the server it calls runs in this one). */
function orderly(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(cliDir, 'main.js'), ...args], { env: { PATH: process.env.PATH ?? '', ORDERLY_URL: url, ORDERLY_TOKEN: admin, ...env }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('orderly dlq - command line', () => {
  it('--help everywhere: the top level and dlq print their usage and exit 0; nothing at all is a usage error', async () => {
    const top = await orderly(['--help']);
    expect(top).toMatchObject({ code: 0 });
    expect(top.stdout).toContain('Usage: orderly <command>');
    const dlq = await orderly(['dlq', '--help']);
    expect(dlq.code).toBe(0);
    for (const word of ['list', 'show <id>', 'replay <id>', 'purge <id>', '--reason', '--type', '--order', 'ORDERLY_URL', 'ORDERLY_TOKEN']) expect(dlq.stdout).toContain(word);
    expect((await orderly(['dlq', 'list', '-h'])).stdout).toContain('Usage: orderly dlq');
    expect((await orderly([])).code).toBe(2);
    const bad = await orderly(['dlq', 'list', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--bogus');
  });

  it('list and show, with filters, as text and JSON', async () => {
    const a = deadLetterEntry(1, { orderKey: 'o-A', eventType: 'payment.failed' });
    const b = deadLetterEntry(2, { orderKey: 'o-B', reason: 'forbidden-transition', eventType: 'order.shipped' });
    await store.add(a);
    await store.add(b);
    const list = await orderly(['dlq', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n').map((l) => l.split('  ')[0])).toEqual([b.id, a.id]);
    expect(list.stdout).toContain('forbidden-transition  order.shipped  o-B');
    const json = JSON.parse((await orderly(['dlq', 'list', '--order', 'o-A', '--json'])).stdout) as { id: string }[];
    expect(json.map((e) => e.id)).toEqual([a.id]);
    expect((await orderly(['dlq', 'list', '--reason', 'forbidden-transition'])).stdout).toContain(b.id);
    const show = await orderly(['dlq', 'show', a.id]);
    expect(JSON.parse(show.stdout)).toEqual(a);
    const missing = await orderly(['dlq', 'show', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404');
  });

  it('replay by id and by filter publishes the originals; purge by id and by filter empties the index', async () => {
    const entries = [1, 2, 3, 4].map((at) => deadLetterEntry(at, { orderKey: at <= 2 ? 'o-A' : 'o-B' }));
    for (const entry of entries) await store.add(entry);
    const one = await orderly(['dlq', 'replay', entries[0]!.id]);
    expect(one).toMatchObject({ code: 0, stdout: `replayed ${entries[0]!.id} to orders\n` });
    expect(published.map((p) => p.message.headers['x-dead-letter-replayed-from'])).toEqual([entries[0]!.id]);
    expect((await orderly(['dlq', 'replay'])).code).toBe(2);
    const byOrder = await orderly(['dlq', 'replay', '--order', 'o-A']);
    expect(byOrder.stdout).toContain('replayed 1, failed 0');
    expect(await store.size()).toBe(2);
    expect((await orderly(['dlq', 'purge', entries[2]!.id])).stdout).toBe('purged 1\n');
    expect((await orderly(['dlq', 'purge', entries[2]!.id])).stdout).toBe('purged 0\n');
    expect((await orderly(['dlq', 'purge', '--all'])).stdout).toBe('purged 1\n');
    expect(await store.size()).toBe(0);
  });

  it('without a token it says how to give one; with a user token the API refuses (exit 1)', async () => {
    const none = await orderly(['dlq', 'list'], { ORDERLY_TOKEN: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('ORDERLY_TOKEN');
    const user = await orderly(['dlq', 'list', '--token', await tokenFor('u1')]);
    expect(user.code).toBe(1);
    expect(user.stderr).toContain('403');
  });
});
