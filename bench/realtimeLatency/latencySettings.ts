import { loadConfig } from '../../src/app/config.js';
import type { BrokerUrls } from '../brokers/brokerBench.js';

/** What one end-to-end latency run does; every field comes from an environment variable with a default. */
export interface LatencySettings {
  /** BENCH_ROUNDS: latency measurements of each path, alternating Orderly and raw. @default 3 */
  readonly rounds: number;
  /** BENCH_ORDERS: orders published per latency measurement (two events each). @default 5000 */
  readonly orders: number;
  /** BENCH_WARMUP_ORDERS: orders sent through each fresh path before it is measured, not counted. @default 500 */
  readonly warmupOrders: number;
  /** BENCH_SATURATION_ORDERS: orders of the saturation burst that finds each path's capacity. @default 10000 */
  readonly saturationOrders: number;
  /** BENCH_SATURATION_ROUNDS: saturation measurements of each path; their median is its capacity. @default 2 */
  readonly saturationRounds: number;
  /** BENCH_LOAD: the offered load as a share of the slower path's capacity. @default 0.5 */
  readonly load: number;
  /** BENCH_RATE: events per second to offer, skipping the saturation runs. @default measured */
  readonly rate: number | undefined;
  /** BENCH_WINDOW: Orderly's credit (ORDERLY_CREDIT), and the raw client's XREADGROUP COUNT over both streams. @default Orderly's default */
  readonly window: number;
  /** BENCH_LOG_LEVEL: Orderly's log level during its runs (to stderr). @default error */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'silent';
  /**
   * BENCH_ORDERLY_ENV: more of Orderly's settings for its runs, `NAME=value` pairs separated by
   * commas; `ORDERLY_STATUS_EVENTS=false,ORDERLY_JOBS_PAID_EMAIL=false` measures the hub path
   * without the status events and confirmation emails that `npm start` also sends. @default none
   */
  readonly orderlyEnv: Readonly<Record<string, string>>;
  /** BENCH_WRITE: `1` to write the end-to-end latency section of BENCHMARKS.md, or a path (same as `--write[=path]`). */
  readonly write: string | undefined;
  readonly urls: BrokerUrls;
}

const positive = (name: string, text: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(text)}`);
  return value;
};

function settingsList(text: string | undefined): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const pair of (text ?? '').split(',').filter((p) => p.trim() !== '')) {
    const match = /^\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new Error(`BENCH_ORDERLY_ENV must be NAME=value pairs separated by commas, got ${JSON.stringify(pair)}`);
    pairs[match[1]!] = match[2]!.trim();
  }
  return pairs;
}

export function readLatencySettings(env: Readonly<Record<string, string | undefined>>, argv: readonly string[]): LatencySettings {
  const config = loadConfig({ REDIS_URL: env.REDIS_URL, ...(env.BENCH_WINDOW ? { ORDERLY_CREDIT: env.BENCH_WINDOW } : {}) });
  const load = Number(env.BENCH_LOAD ?? '0.5');
  if (!(load > 0 && load <= 1)) throw new Error(`BENCH_LOAD must be above 0 and at most 1, got ${JSON.stringify(env.BENCH_LOAD)}`);
  const logLevel = env.BENCH_LOG_LEVEL ?? 'error';
  if (!['fatal', 'error', 'warn', 'info', 'silent'].includes(logLevel)) throw new Error(`BENCH_LOG_LEVEL must be fatal, error, warn, info or silent, got ${logLevel}`);
  const writeArg = argv.find((a) => a === '--write' || a.startsWith('--write='));
  const rounds = positive('BENCH_ROUNDS', env.BENCH_ROUNDS ?? '3');
  return {
    rounds,
    orders: positive('BENCH_ORDERS', env.BENCH_ORDERS ?? '5000'),
    warmupOrders: positive('BENCH_WARMUP_ORDERS', env.BENCH_WARMUP_ORDERS ?? '500'),
    saturationOrders: positive('BENCH_SATURATION_ORDERS', env.BENCH_SATURATION_ORDERS ?? '10000'),
    saturationRounds: positive('BENCH_SATURATION_ROUNDS', env.BENCH_SATURATION_ROUNDS ?? '2'),
    load,
    rate: env.BENCH_RATE ? positive('BENCH_RATE', env.BENCH_RATE) : undefined,
    window: config.ORDERLY_CREDIT,
    logLevel: logLevel as LatencySettings['logLevel'],
    orderlyEnv: settingsList(env.BENCH_ORDERLY_ENV),
    write: writeArg ? (writeArg.split('=')[1] ?? '1') : env.BENCH_WRITE || undefined,
    urls: { kafkaBrokers: config.KAFKA_BROKERS, amqpUrl: config.AMQP_URL, natsServers: config.NATS_URL, redisUrl: config.REDIS_URL },
  };
}

/** Longest wait for one phase's frames: 30 s plus what the events take at 200 events/s. */
export const receiveTimeoutMs = (events: number): number => 30_000 + events * 5;
