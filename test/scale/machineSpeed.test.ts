import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { watchMachineSpeed as WatchMachineSpeed } from './machineSpeed.js';

// The probe runs as a process of its own, from the build (`npm test` builds first), as the overload run starts it.
const built = (file: string) => new URL(`../../dist/test/scale/${file}`, import.meta.url);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchMachineSpeed', () => {
  it('reads the machine speed twice a second, and stops its probe', async () => {
    const { watchMachineSpeed } = (await import(built('machineSpeed.js').href)) as { watchMachineSpeed: typeof WatchMachineSpeed };
    const started = Date.now();
    const machine = watchMachineSpeed();
    try {
      let speed: number | undefined;
      for (let i = 0; i < 50 && speed === undefined; i++) {
        await sleep(100);
        speed = machine.between(started, Date.now());
      }
      expect(speed).toBeGreaterThan(0);
      expect(Number.isFinite(speed)).toBe(true);
      expect(machine.between(started - 60_000, started - 1)).toBeUndefined();
    } finally {
      await machine.stop();
    }
    await machine.stop(); // idempotent
  });

  it('leaves no probe behind when the harness that started it is gone', async () => {
    const probe = spawn(process.execPath, [built('machineSpeedProbe.js').pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
    const firstLine = await new Promise<string>((resolve) => probe.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    expect(firstLine).toMatch(/^SPEED \d+ \d+(\.\d)?\n/);
    const exited = new Promise<number | null>((resolve) => probe.once('exit', (code) => resolve(code)));
    probe.stdin.end(); // what the harness's exit does to the pipe
    const code = await Promise.race([exited, sleep(5_000).then(() => 'still running' as const)]);
    if (code === 'still running') probe.kill('SIGKILL');
    expect(code).toBe(0);
  });
});
