import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisDedupStore } from '../../../src/gateways/redis/createRedisDedupStore.js';
import { createRedisTaskStore } from '../../../src/gateways/redis/createRedisTaskStore.js';
import { RedisStoreClosedError, RedisStoreError } from '../../../src/gateways/redis/redisStoreErrors.js';
import type { RedisStoreOptions } from '../../../src/gateways/redis/redisStoreOptions.js';
import { newTask } from '../../contract/taskStoreContract.js';
import { refusedUrl, silentServer } from './silentServer.js';
import { redisUrl, runKeyPrefix } from './runKeyPrefix.js';

// The connection life both stores share (openRedisStoreConnection), checked through each of them.
const keys = runKeyPrefix('task-dedup-lifecycle');
const keyPrefix = keys.prefix;
let raw: Redis;
let counter = 0;
const unique = () => `x-${++counter}`;
const namedUrl = (name: string) => {
  const url = new URL(redisUrl);
  url.searchParams.set('connectionName', name);
  return url.toString();
};
const connectedNamed = async (name: string) => String(await raw.client('LIST')).includes(` name=${name} `);

interface Subject {
  open(options: RedisStoreOptions): { close(): Promise<void>; [Symbol.asyncDispose](): Promise<void> };
  /** One write through the store: resolves when Redis has it. */
  write(store: unknown, id: string): Promise<unknown>;
  /** The key that write made. */
  key(id: string): string;
  operation: string;
}

const subjects: [string, Subject][] = [
  [
    'task',
    {
      open: (options) => createRedisTaskStore(options),
      write: (store, id) => (store as ReturnType<typeof createRedisTaskStore>).create(newTask(id)),
      key: (id) => `${keyPrefix}task:${id}`,
      operation: 'create',
    },
  ],
  [
    'dedup',
    {
      open: (options) => createRedisDedupStore(options),
      write: (store, id) => (store as ReturnType<typeof createRedisDedupStore>).claim(id, 60_000),
      key: (id) => `${keyPrefix}dedup:${id}`,
      operation: 'claim',
    },
  ],
];

beforeAll(() => {
  raw = new Redis(redisUrl);
});
afterAll(async () => {
  await raw.quit();
  await keys.deleteKeys();
});

describe.each(subjects)('redis %s store - lifecycle', (store, subject) => {
  it('closes the connection it made from a URL, once however often it is asked, and refuses work after', async () => {
    const name = `orderly-test-${randomBytes(4).toString('hex')}`;
    const s = subject.open({ redis: namedUrl(name), keyPrefix });
    expect(await connectedNamed(name)).toBe(false); // lazy: nothing before the first command
    await subject.write(s, unique());
    expect(await connectedNamed(name)).toBe(true);
    await Promise.all([s.close(), s.close()]);
    await s.close();
    await expect.poll(() => connectedNamed(name)).toBe(false);
    const refused = await subject.write(s, unique()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RedisStoreClosedError);
    expect(refused).toMatchObject({ store });
  });

  it('leaves a borrowed client open and as it was', async () => {
    const client = new Redis(redisUrl);
    try {
      await client.ping();
      const before = Object.keys(client).sort();
      const id = unique();
      {
        await using s = subject.open({ redis: client, keyPrefix });
        await subject.write(s, id);
      }
      expect(await client.ping()).toBe('PONG');
      expect(Object.keys(client).sort()).toEqual(before); // no command defined on it
      expect(await client.exists(subject.key(id))).toBe(1);
    } finally {
      await client.quit();
    }
  });

  it('lets the writes in flight finish before it closes', async () => {
    const s = subject.open({ redis: redisUrl, keyPrefix });
    const ids = Array.from({ length: 20 }, unique);
    const writes = ids.map((id) => subject.write(s, id));
    await s.close();
    await expect(Promise.all(writes)).resolves.toHaveLength(20);
    expect(await raw.exists(...ids.map(subject.key))).toBe(20);
  });

  it('rejects a command Redis does not answer within commandTimeoutMs, and drops the connection on close', async () => {
    const server = await silentServer();
    try {
      const s = subject.open({ redis: server.url, keyPrefix, commandTimeoutMs: 150, closeTimeoutMs: 100 });
      const id = unique();
      const error = await subject.write(s, id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisStoreError);
      expect(error).toMatchObject({ store, operation: subject.operation, id, message: expect.stringMatching(/timed out/i) });
      const started = Date.now();
      await s.close();
      expect(Date.now() - started).toBeLessThan(1_000);
      await expect.poll(() => server.openSockets()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('rejects promptly with RedisStoreError when Redis cannot be reached, and still closes', async () => {
    await using s = subject.open({ redis: await refusedUrl(), keyPrefix });
    const started = Date.now();
    const error = await subject.write(s, unique()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisStoreError);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
