import { scaleRun, type ScaleResult, type ScaleRunOptions } from './scaleRun.js';

/** `--name value` arguments over the defaults, numbers only. */
export function numberArgs<T extends Record<string, number>>(defaults: T, argv = process.argv.slice(2)): T {
  const out: Record<string, number> = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]!.replace(/^--/, '');
    const value = Number(argv[i + 1]);
    if (!(name in defaults) || !Number.isFinite(value)) throw new Error(`unknown or bad argument ${argv[i]} ${argv[i + 1]}; known: ${Object.keys(defaults).join(', ')}`);
    out[name] = value;
  }
  return out as T;
}

/** Prints a run's verdict line and figures. */
export function report(title: string, result: ScaleResult): void {
  console.log(`\n== ${title}`);
  console.log(result.verdict.line);
  for (const problem of result.problems) console.log(`problem: ${problem}`);
  console.log(`figures: ${JSON.stringify(result.figures)}`);
  console.log(`${result.ok ? 'PASS' : 'FAIL'} ${title} (artifacts/scale/${result.run}/)`);
}

/**
 * Runs one scale scenario as a command: prints the oracle's verdict and the figures, exits 0 only
 * when the oracle passed and the run had no problem. A hard timer ends the process (and, through
 * `orderlyProcess`, its children) if the run itself hangs past its bound. `dispose` (a chaos run's
 * own broker or store) runs after the run's own clean-up, whatever the outcome.
 */
export async function main(title: string, options: ScaleRunOptions, dispose?: () => Promise<void>): Promise<void> {
  setTimeout(() => {
    console.error(`${title}: hard timeout after ${options.timeoutMs + 60_000} ms`);
    process.exit(2);
  }, options.timeoutMs + 60_000).unref();
  let code = 1;
  try {
    const result = await scaleRun(options);
    report(title, result);
    code = result.ok ? 0 : 1;
  } catch (error) {
    console.error(`${title}: the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  await dispose?.().catch((error: unknown) => console.error(`${title}: clean-up failed: ${String(error)}`));
  process.exit(code);
}
