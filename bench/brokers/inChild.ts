import { spawn, type ChildProcess } from 'node:child_process';
import { BenchTimeoutError, type Measurement } from './meter.js';

/** What a task process prints as its last line on stdout. */
export type TaskOutcome = { readonly measurement: Measurement } | { readonly error: string };

let current: ChildProcess | undefined;

/** Kills the task process running now, if any (the parent is being interrupted). */
export function killCurrentChild(): void {
  if (current?.exitCode === null) current.kill('SIGKILL');
}

/**
 * Runs `script --task ...args` in a fresh Node process (with `--expose-gc`) and returns the
 * measurement it prints. A fresh process per measurement keeps one run's heap and JIT state out
 * of the next one's figures. Past `timeoutMs` the process is killed and this rejects with a
 * `BenchTimeoutError`; the caller then cleans up what the process may have left.
 */
export function inChild(script: string, args: readonly string[], timeoutMs: number): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', script, '--task', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    current = child;
    let out = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      if (timedOut) return reject(new BenchTimeoutError(`task ${args.join(' ')} was killed after ${Math.round(timeoutMs / 1000)} s`));
      const last = out.trim().split('\n').pop() ?? '';
      let outcome: TaskOutcome | undefined;
      try {
        outcome = JSON.parse(last) as TaskOutcome;
      } catch {
        // reported below with the exit status
      }
      if (outcome && 'measurement' in outcome && code === 0) resolve(outcome.measurement);
      else if (outcome && 'error' in outcome) reject(new Error(outcome.error));
      else reject(new Error(`task ${args.join(' ')} ended with ${signal ?? `exit code ${code}`} and printed no result`));
    });
  });
}
