/** What one hub fan-out run does; every field comes from an environment variable with a default. */
export interface HubBenchSettings {
  /** BENCH_CLIENTS: connections per measurement, comma-separated. @default 1000,10000 */
  readonly clients: readonly number[];
  /** BENCH_ROUNDS: measurements of each server per size, alternating bare and hub. @default 3 */
  readonly rounds: number;
  /** BENCH_MESSAGES: messages of the measured burst; each goes to every client. @default 200 */
  readonly messages: number;
  /** BENCH_WARMUP: messages fanned out (and received) before the burst, not measured. @default 20 */
  readonly warmup: number;
  /** BENCH_PACED_MESSAGES: messages of the paced phase (latency at a fixed load). @default 50 */
  readonly pacedMessages: number;
  /** BENCH_PACED_RATE: deliveries per second of the paced phase, the same for both servers. @default 50000 */
  readonly pacedRate: number;
  /** BENCH_CONCURRENCY: WebSocket handshakes in flight at once while connecting. @default 200 */
  readonly concurrency: number;
  /** BENCH_WRITE: `1` to write the "Hub fan-out" section of BENCHMARKS.md, or a path (same as `--write[=path]`). */
  readonly write: string | undefined;
}

const positive = (name: string, text: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(text)}`);
  return value;
};

export function readHubBenchSettings(env: Readonly<Record<string, string | undefined>>, argv: readonly string[]): HubBenchSettings {
  const writeArg = argv.find((a) => a === '--write' || a.startsWith('--write='));
  const clients = (env.BENCH_CLIENTS ?? '1000,10000').split(',').map((n) => positive('BENCH_CLIENTS', n.trim()));
  const max = Math.max(...clients);
  if (Math.min(...clients) < 10) throw new Error('BENCH_CLIENTS: at least 10 clients per measurement (memory is measured over the last nine tenths)');
  if (max > 25_000) throw new Error(`BENCH_CLIENTS: at most 25,000 clients (loopback ephemeral ports and the hub's maxSessions of 20,000 bound it), got ${max}`);
  return {
    clients,
    rounds: positive('BENCH_ROUNDS', env.BENCH_ROUNDS ?? '3'),
    messages: positive('BENCH_MESSAGES', env.BENCH_MESSAGES ?? '200'),
    warmup: positive('BENCH_WARMUP', env.BENCH_WARMUP ?? '20'),
    pacedMessages: positive('BENCH_PACED_MESSAGES', env.BENCH_PACED_MESSAGES ?? '50'),
    pacedRate: positive('BENCH_PACED_RATE', env.BENCH_PACED_RATE ?? '50000'),
    concurrency: positive('BENCH_CONCURRENCY', env.BENCH_CONCURRENCY ?? '200'),
    write: writeArg ? (writeArg.split('=')[1] ?? '1') : env.BENCH_WRITE || undefined,
  };
}

/** The paced phase's interval between messages: `clients` deliveries each, at `pacedRate` deliveries per second. */
export const pacedIntervalMs = (settings: HubBenchSettings, clients: number): number => (clients / settings.pacedRate) * 1000;

/** Longest wait for one phase's frames: 30 s plus 100 µs per delivery (no slower than 10k deliveries/s). */
export const receiveTimeoutMs = (deliveries: number): number => 30_000 + deliveries / 10;
