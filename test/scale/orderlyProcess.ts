import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The built entry points, from `dist/test/scale/` (`npm run build` first): Orderly's own, the race
 * proof's bare pipeline, or the overload run's raw-client baseline. All but Orderly serve nothing
 * and print `<ENTRY>-READY` (e.g. `RACE-READY`) once consuming.
 */
const ENTRIES = {
  orderly: new URL('../../src/app/main.js', import.meta.url).pathname,
  race: new URL('./raceInstance.js', import.meta.url).pathname,
  raw: new URL('./rawPausingConsumer.js', import.meta.url).pathname,
} as const;
export type OrderlyEntry = keyof typeof ENTRIES;

/**
 * `SCALE_CPU_PROFILE_DIR=<dir>`: every child writes a V8 CPU profile there when it exits cleanly
 * (SIGTERM), named after it; open it in Chrome DevTools or speedscope. `--cpu-prof` is refused in
 * NODE_OPTIONS, so it goes on the command line.
 */
const profileArgs = (name: string): string[] => {
  const dir = process.env.SCALE_CPU_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${process.pid}-${Date.now()}.cpuprofile`] : [];
};

/** Children still running: killed if the harness exits first (a hard timeout), never left behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface OrderlyProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Base URL of its HTTP server; empty for the entries that serve nothing. */
  readonly url: string;
  /** Peak resident set (VmHWM) seen so far, in MiB; read from /proc on every `sample`. */
  peakRssMiB(): number;
  /** CPU time (user + system) it used, in seconds, as of the last `sample`. */
  cpuSeconds(): number;
  sample(): void;
  /** The last 20 kB it wrote, for failure messages. */
  tail(): string;
  /** Log lines at warn or above, by message. */
  readonly warnings: Map<string, number>;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit code. Idempotent. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartOptions {
  /** @default 60_000 */
  readonly timeoutMs?: number;
  /** Flags for `node` itself, before the entry: V8's flags that `NODE_OPTIONS` refuses. */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts `node dist/src/app/main.js` (or another entry) with `env` over this process's
 * environment; resolves once it printed its URL and `/readyz` answers 200 (the other entries: once
 * they printed `<ENTRY>-READY`), within `timeoutMs`.
 */
export async function startOrderly(name: string, env: Record<string, string>, entry: OrderlyEntry = 'orderly', options: StartOptions = {}): Promise<OrderlyProcess> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...profileArgs(name), ENTRIES[entry]], { env: { ...process.env, ...env, RACE_INSTANCE: name }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let pending = '';
  const warnings = new Map<string, number>();
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    out = (out + text).slice(-20_000);
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        if ((entry.level ?? 0) >= 40) warnings.set(entry.msg ?? '?', (warnings.get(entry.msg ?? '?') ?? 0) + 1);
      } catch {
        // not a log line
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  let peak = 0;
  let cpu = 0;
  const sample = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (kb) peak = Math.max(peak, Number(kb) / 1024);
      // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised name: utime and stime in clock ticks (100 per second on Linux).
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu = (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone between the check and the read
    }
  };
  let stopping: Promise<number | null> | undefined;
  const stop = (graceMs = 15_000) =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      sample();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    })());
  const kill = async (signal: NodeJS.Signals) => {
    sample();
    child.kill(signal);
    await exited;
  };

  const deadline = Date.now() + timeoutMs;
  try {
    let url: string | undefined;
    while (url === undefined) {
      url = entry !== 'orderly' ? (out.includes(`${entry.toUpperCase()}-READY`) ? '' : undefined) : /API\s+(http:\/\/\S+)/.exec(out)?.[1];
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${out}`);
      if (Date.now() > deadline) throw new Error(`${name} printed no URL within ${timeoutMs} ms: ${out}`);
      if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    while (entry === 'orderly' && (await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) !== 200) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${out}`);
      if (Date.now() > deadline) throw new Error(`${name} was not ready within ${timeoutMs} ms: ${out}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    sample();
    return { name, child, url, peakRssMiB: () => peak, cpuSeconds: () => cpu, sample, tail: () => out, warnings, kill, stop };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
