import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
// From test/support under vitest, from dist/test/support once built (the chaos runs).
const script = ['../../scripts/kafka.sh', '../../../scripts/kafka.sh'].map((path) => fileURLToPath(new URL(path, import.meta.url))).find((path) => existsSync(path))!;

/** A port nobody listens on right now (the OS picks it; a race with another process is unlikely). */
async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

export interface OwnKafka {
  /** Bootstrap address of this instance. */
  readonly brokers: readonly string[];
  /** Starts it (formats its storage the first time) and resolves once it answers; keeps its data. */
  start(): Promise<void>;
  /** Controlled shutdown of this instance only (the pid its own kafka.sh recorded). */
  stop(): Promise<void>;
  /** Stops it and deletes its directory. Idempotent. */
  destroy(): Promise<void>;
}

/**
 * A Kafka broker of the test's own, for tests that restart one: the project's scripts/kafka.sh
 * with a temporary home and spare ports, so the shared broker on 9092 is never touched. The jars
 * are the ones the main instance already resolved (.kafka-ci/maven). Asynchronous, so that the
 * test's clients keep running while the broker starts or stops.
 */
export async function ownKafka(options: { heap?: string; startTimeoutS?: number } = {}): Promise<OwnKafka> {
  const home = await mkdtemp(join(tmpdir(), 'orderly-own-kafka-'));
  const port = await sparePort();
  let controllerPort = await sparePort();
  while (controllerPort === port) controllerPort = await sparePort();
  const env = {
    ...process.env,
    KAFKA_HOME_DIR: home,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_HEAP_OPTS: options.heap ?? '-Xms128m -Xmx512m',
    KAFKA_START_TIMEOUT: String(options.startTimeoutS ?? 90),
    KAFKA_STOP_TIMEOUT: '20',
  };
  const kafkaSh = async (command: string) => {
    try {
      await run('bash', [script, command], { env, timeout: 150_000 });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`kafka.sh ${command} (port ${port}) failed: ${stderr.slice(-2000)}`, { cause: error });
    }
  };
  let destroyed: Promise<void> | undefined;
  return {
    brokers: [`127.0.0.1:${port}`],
    start: () => kafkaSh('start'),
    stop: () => kafkaSh('stop'),
    destroy: () =>
      (destroyed ??= (async () => {
        await kafkaSh('stop').catch(() => undefined);
        await rm(home, { recursive: true, force: true });
      })()),
  };
}
