import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { median } from '../../bench/report/stats.js';

/** The machine's speed while a run goes on, from `machineSpeedProbe` (work units per CPU-ms). */
export interface MachineSpeed {
  /** The median reading taken between `fromMs` and `toMs` (epoch ms); undefined without one. */
  between(fromMs: number, toMs: number): number | undefined;
  /** Stops the probe; resolves once it exited. Idempotent. */
  stop(): Promise<void>;
}

/** Readings kept: 4 hours at two a second, the oldest forgotten first. */
const MAX_READINGS = 28_800;

/** Starts the probe; its readings arrive every 500 ms from about 100 ms on. */
export function watchMachineSpeed(): MachineSpeed {
  const child = spawn(process.execPath, [new URL('./machineSpeedProbe.js', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
  // A probe that could not start gives no readings, and the run goes on without them.
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()).once('error', () => resolve()));
  const readings: { readonly at: number; readonly speed: number }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [tag, at, speed] = line.split(' ');
    if (tag !== 'SPEED' || at === undefined || speed === undefined) return;
    readings.push({ at: Number(at), speed: Number(speed) });
    if (readings.length > MAX_READINGS) readings.splice(0, readings.length - MAX_READINGS);
  });
  let stopping: Promise<void> | undefined;
  return {
    between: (fromMs, toMs) => median(readings.filter((r) => r.at >= fromMs && r.at <= toMs).map((r) => r.speed)),
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      })()),
  };
}
