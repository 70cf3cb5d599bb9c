import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownKafka } from './ownKafka.js';
import type { SpareBroker } from './spareBroker.js';

/**
 * A Kafka broker of the test's own as a `SpareBroker`: `ownKafka`, i.e. scripts/kafka.sh's second
 * instance (temporary home, spare client and controller ports, the main instance's jars), so the
 * shared 9092 is never touched. `stop` is kafka.sh's controlled shutdown of the pid it recorded.
 */
export async function startSpareKafka(): Promise<SpareBroker> {
  const kafka = await ownKafka();
  const url = kafka.brokers[0]!;
  const port = Number(url.slice(url.lastIndexOf(':') + 1));
  try {
    await kafka.start();
  } catch (error) {
    await kafka.destroy();
    throw error;
  }
  const dir = homeListeningOn(port);
  // SIGSTOP/SIGCONT need the JVM's pid, which kafka.sh records in its home.
  const signal = (name: NodeJS.Signals) => {
    const pid = Number(readFileSync(join(dir, 'kafka.pid'), 'utf8').trim());
    if (pid > 0) process.kill(pid, name);
  };
  let restarts = 0;
  return {
    name: 'kafka',
    port,
    url,
    dir,
    get restarts() {
      return restarts;
    },
    stop: () => kafka.stop(),
    start: () => kafka.start(),
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async restart(downMs) {
      await kafka.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await kafka.start();
      restarts++;
    },
    dispose: () => kafka.destroy(),
  };
}

/** `ownKafka` keeps its temporary home to itself; it is the one whose config listens on `port`. */
function homeListeningOn(port: number): string {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('orderly-own-kafka-')) continue;
    const home = join(tmpdir(), name);
    try {
      if (readFileSync(join(home, 'config', 'server.properties'), 'utf8').includes(`PLAINTEXT://127.0.0.1:${port},`)) return home;
    } catch {
      // another test's home, half made or already removed
    }
  }
  throw new Error(`no kafka.sh home listening on ${port} under ${tmpdir()}`);
}
