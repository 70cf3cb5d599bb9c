import { spawn, type ChildProcess } from 'node:child_process';

/** How one child process ended and what it printed. */
export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The hard timeout fired and the child's process group was stopped. */
  readonly timedOut: boolean;
  readonly seconds: number;
}

export interface ChildOptions {
  /** The whole environment of the child (the caller strips what must not leak in). */
  readonly env: NodeJS.ProcessEnv;
  /** Past this the child's process group gets SIGTERM, and SIGKILL `graceMs` later. */
  readonly timeoutMs: number;
  /** @default 60_000: long enough for a bench to stop its own children and delete its channels. */
  readonly graceMs?: number;
  readonly nodeFlags?: readonly string[];
  /** Echo what the child prints to this process's stderr as it comes. @default true */
  readonly echo?: boolean;
}

const KEEP = 8 << 20; // characters kept of each stream; a bench prints far less

let running: { child: ChildProcess; stop: () => void } | undefined;

/** Stops the child running now, if any, as its timeout would; resolves once it has exited. */
export async function stopRunningChild(): Promise<void> {
  const current = running;
  if (current === undefined || current.child.exitCode !== null) return;
  const exited = new Promise((resolve) => current.child.once('close', resolve));
  current.stop();
  await exited;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal); // the child leads its own group: its task processes get it too
  } catch {
    // already gone
  }
}

/**
 * Runs `node [flags] script ...args` in a fresh process that leads its own process group, so a
 * hard timeout reaches every process the bench started. Never rejects for a failing child: the
 * caller reads `code`, `timedOut` and what was printed.
 */
export function runChild(script: string, args: readonly string[], options: ChildOptions): Promise<ChildRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), script, ...args], { env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (killer !== undefined) return;
      signalGroup(child, 'SIGTERM');
      killer = setTimeout(() => signalGroup(child, 'SIGKILL'), options.graceMs ?? 60_000);
    };
    running = { child, stop };
    const echo = options.echo ?? true;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < KEEP) stdout += chunk;
      if (echo) process.stderr.write(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < KEEP) stderr += chunk;
      if (echo) process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      if (running?.child === child) running = undefined;
      resolve({ code, signal, stdout, stderr, timedOut, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** The last line of `stdout` parsed as JSON, or undefined. */
export function lastJsonLine<T>(stdout: string): T | undefined {
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    return undefined;
  }
}

/** Why a child run gave no result, in a few words plus the tail of its stderr. */
export function failureOf(run: ChildRun, timeoutMs: number): string {
  const how = run.timedOut ? `killed after its ${Math.round(timeoutMs / 60_000)} min timeout` : `ended with ${run.signal ?? `exit code ${run.code}`}`;
  const tail = run.stderr.trim().split('\n').slice(-3).join(' / ').slice(0, 400);
  return tail ? `${how}: ${tail}` : how;
}
