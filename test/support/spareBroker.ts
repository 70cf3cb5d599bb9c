import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A broker process a test started itself, on a spare loopback port, with its data in a temporary
 * folder: the one a test may stop and start again. The machine's shared brokers (6379, 4222, ...)
 * are never touched. Tests dispose of theirs in `afterAll`; as a last resort every instance is
 * killed when the test process exits (not when it is itself killed with SIGKILL).
 */
export interface SpareBroker {
  readonly name: string;
  readonly port: number;
  /** Where clients connect, in the form the broker's client expects. */
  readonly url: string;
  /** Its data folder: kept across restarts, removed by `dispose`. */
  readonly dir: string;
  /** How many times `restart` has brought it back. */
  readonly restarts: number;
  /** Stops it gracefully (SIGTERM, SIGKILL after `stopWithinMs`); its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data folder; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open but nothing is answered, as with a hung server. */
  pause(): void;
  /** Lets a paused broker go on (SIGCONT). */
  resume(): void;
  /** Stops it, waits `downMs`, starts it again. */
  restart(downMs: number): Promise<void>;
  /** Kills it and removes its data folder. Idempotent. */
  dispose(): Promise<void>;
}

export interface SpareBrokerSpec {
  readonly name: string;
  readonly command: string;
  readonly args: (port: number, dir: string) => string[];
  readonly url: (port: number) => string;
  /** The broker's own log file inside `dir`, shown when it fails to start. */
  readonly logFile: string;
  /** @default 15_000 */
  readonly startWithinMs?: number;
  /** @default 10_000 */
  readonly stopWithinMs?: number;
}

const running = new Set<ChildProcess>();
// A test process that dies leaves no broker behind (children are not in a group of their own).
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port nothing listens on right now (the kernel's pick, given back at once). */
export async function sparePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port from the kernel');
  return address.port;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startSpareBroker(spec: SpareBrokerSpec): Promise<SpareBroker> {
  const port = await sparePort();
  const dir = mkdtempSync(join(tmpdir(), `orderly-${spec.name}-`));
  const startWithinMs = spec.startWithinMs ?? 15_000;
  const stopWithinMs = spec.stopWithinMs ?? 10_000;
  let child: ChildProcess | undefined;
  let restarts = 0;
  let disposed = false;
  const log = () => {
    try {
      return readFileSync(join(dir, spec.logFile), 'utf8').slice(-2000);
    } catch {
      return '(no log)';
    }
  };

  const start = async () => {
    if (disposed) throw new Error(`${spec.name} on ${port} was disposed`);
    if (child) return;
    const proc = spawn(spec.command, spec.args(port, dir), { stdio: 'ignore' });
    child = proc;
    running.add(proc);
    let exited = false;
    proc.once('exit', () => {
      exited = true;
      running.delete(proc);
      if (child === proc) child = undefined;
    });
    proc.once('error', () => undefined); // a missing binary shows as an early exit below
    const deadline = Date.now() + startWithinMs;
    while (!(await accepts(port))) {
      if (exited || Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`${spec.name} did not start on port ${port} within ${startWithinMs} ms:\n${log()}`);
      }
      await sleep(25);
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), stopWithinMs);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    name: spec.name,
    port,
    url: spec.url(port),
    dir,
    get restarts() {
      return restarts;
    },
    stop: () => stop(),
    start,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async restart(downMs) {
      await stop();
      await sleep(downMs);
      await start();
      restarts++;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
