import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `--json=<path>` on a bench's command line: where it writes every measurement it made, round
 * by round, for `npm run bench` to read. The bench's own output is unchanged.
 */
export function jsonOutputPath(argv: readonly string[]): string | undefined {
  const arg = argv.find((a) => a.startsWith('--json='));
  return arg === undefined ? undefined : arg.slice('--json='.length) || undefined;
}

export async function writeJsonOutput(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value)}\n`);
}

/** One measurement of a bench that alternates by itself: which side, which round, and what came of it. */
export interface RunRecord<M> {
  /** The size measured: orders, clients, or the phase. */
  readonly size: number | string;
  readonly round: number;
  readonly kind: string;
  readonly measurement?: M;
  readonly error?: string;
}
