import { spawn, type ChildProcess } from 'node:child_process';
import { BenchTimeoutError } from '../brokers/meter.js';

/** One request from the parent to a task process, answered by exactly one `Reply` with the same id. */
export interface Command {
  readonly id: number;
  readonly cmd: string;
  readonly args?: unknown;
}

export type Reply = { readonly id: number; readonly value: unknown } | { readonly id: number; readonly error: string };

/**
 * A task process (server or clients) driven over Node's IPC channel. It is started through
 * `bash -c 'ulimit -n <hard limit>; exec node ...'` because 10k WebSockets need more descriptors
 * than the usual soft limit of 1024; the limit it got is handed down as `BENCH_NOFILE`, so the
 * task can refuse early with a clear message instead of failing on the 1,000th connection.
 */
export class TaskProcess {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly exited: Promise<number | null>;
  #nextId = 1;
  #gone: string | undefined;

  constructor(
    readonly name: string,
    script: string,
    args: readonly string[],
  ) {
    const wrapper = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; BENCH_NOFILE="$(ulimit -n)" exec "$0" "$@"';
    this.#child = spawn('bash', ['-c', wrapper, process.execPath, '--expose-gc', script, '--task', ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (message: Reply) => {
      const waiter = this.#waiting.get(message.id);
      if (waiter === undefined) return;
      this.#waiting.delete(message.id);
      if ('error' in message) waiter.reject(new Error(`${name}: ${message.error}`));
      else waiter.resolve(message.value);
    });
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#gone = `${name} exited (${signal ?? `code ${code}`})`;
        for (const waiter of this.#waiting.values()) waiter.reject(new Error(this.#gone));
        this.#waiting.clear();
        resolve(code);
      });
    });
    this.#child.once('error', (error) => {
      for (const waiter of this.#waiting.values()) waiter.reject(error);
      this.#waiting.clear();
    });
  }

  /** Sends `cmd` and waits at most `timeoutMs` for its answer. */
  request<T>(cmd: string, args: unknown, timeoutMs: number): Promise<T> {
    if (this.#gone !== undefined) return Promise.reject(new Error(`${this.#gone} before ${cmd}`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new BenchTimeoutError(`${this.name}: no answer to ${cmd} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.#waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#child.send({ id, cmd, args } satisfies Command);
    });
  }

  /** Asks the task to close and exit; kills it if it has not exited within `graceMs`. Never rejects. */
  async stop(graceMs: number): Promise<void> {
    if (this.#gone === undefined) await this.request('close', undefined, graceMs).catch(() => undefined);
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

/**
 * The task side: answers the parent's commands with `handlers`, one at a time in arrival order.
 * `close` is answered, then the process exits once the answer is written.
 */
export function serveCommands(handlers: Record<string, (args: unknown) => Promise<unknown> | unknown>, close: () => Promise<void>): void {
  if (process.send === undefined) throw new Error('a task process must be started by hub.bench with an IPC channel');
  const reply = (message: Reply, then?: () => void) => process.send?.(message, undefined, {}, () => then?.());
  let chain = Promise.resolve();
  process.on('message', (message: Command) => {
    chain = chain.then(async () => {
      if (message.cmd === 'close') {
        await close().catch((error: unknown) => process.stderr.write(`closing: ${String(error)}\n`));
        reply({ id: message.id, value: null }, () => process.exit(0));
        return;
      }
      const handler = handlers[message.cmd];
      try {
        if (handler === undefined) throw new Error(`unknown command ${message.cmd}`);
        reply({ id: message.id, value: (await handler(message.args)) ?? null });
      } catch (error) {
        reply({ id: message.id, error: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  // The parent died or let go of us: nobody will ever send close.
  process.once('disconnect', () => void close().finally(() => process.exit(1)));
}

/** Refuses to start when this process may not open `needed` descriptors. */
export function assertDescriptors(needed: number): void {
  const limit = Number(process.env.BENCH_NOFILE);
  if (Number.isFinite(limit) && limit < needed) {
    throw new Error(`needs about ${needed} file descriptors but \`ulimit -n\` is ${limit} (hard limit); raise it (e.g. in /etc/security/limits.conf) or measure fewer clients`);
  }
}
