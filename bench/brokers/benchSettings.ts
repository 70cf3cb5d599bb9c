import { loadConfig } from '../../src/app/config.js';
import { BENCH_BROKERS, type BenchBroker, type BrokerUrls } from './brokerBench.js';

/** What one benchmark run does; every field comes from an environment variable with a default. */
export interface BenchSettings {
  /** BENCH_ORDERS: distinct orders per measurement, comma-separated (two events each). @default 1000,100000 */
  readonly orders: readonly number[];
  /** BENCH_BROKERS: which brokers, comma-separated. @default kafka,rabbitmq,nats,redis */
  readonly brokers: readonly BenchBroker[];
  /** BENCH_ROUNDS: times each consumer is measured, alternating raw, Orderly, sequential. @default 3 */
  readonly rounds: number;
  /** BENCH_CREDIT: Orderly's credit, and the raw clients' prefetch/batch window. @default 512 */
  readonly credit: number;
  /** BENCH_SEQUENTIAL_ORDERS: orders for the sequential consumer, at most the size measured. @default 1000 */
  readonly sequentialOrders: number;
  /** BENCH_HANDLER_MS: what the sequential consumer's handler awaits per message. @default 1 */
  readonly handlerMs: number;
  /** BENCH_TIMEOUT_S: longest one measurement may take to consume; default 120 s plus 5 ms per event. */
  readonly timeoutSeconds: number | undefined;
  /** BENCH_LOG_LEVEL: Orderly's log level during its runs (to stderr). @default error */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'silent';
  /** BENCH_WRITE: `1` to write the Brokers section of BENCHMARKS.md, or a path to write it into instead (same as `--write[=path]`). */
  readonly write: string | undefined;
  readonly urls: BrokerUrls;
  /** The broker variables of the environment, handed to Orderly unchanged. */
  readonly brokerEnv: Readonly<Record<string, string | undefined>>;
}

const positive = (name: string, text: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(text)}`);
  return value;
};

export function readBenchSettings(env: Readonly<Record<string, string | undefined>>, argv: readonly string[]): BenchSettings {
  const brokerEnv = { KAFKA_BROKERS: env.KAFKA_BROKERS, AMQP_URL: env.AMQP_URL, NATS_URL: env.NATS_URL, REDIS_URL: env.REDIS_URL };
  const config = loadConfig(brokerEnv); // the same defaults and checks as Orderly's
  const brokers = (env.BENCH_BROKERS ?? BENCH_BROKERS.join(',')).split(',').map((b) => b.trim());
  for (const broker of brokers) if (!(BENCH_BROKERS as readonly string[]).includes(broker)) throw new Error(`BENCH_BROKERS: unknown broker ${broker}; known: ${BENCH_BROKERS.join(', ')}`);
  const logLevel = env.BENCH_LOG_LEVEL ?? 'error';
  if (!['fatal', 'error', 'warn', 'info', 'silent'].includes(logLevel)) throw new Error(`BENCH_LOG_LEVEL must be fatal, error, warn, info or silent, got ${logLevel}`);
  const writeArg = argv.find((a) => a === '--write' || a.startsWith('--write='));
  const write = writeArg ? (writeArg.split('=')[1] ?? '1') : env.BENCH_WRITE || undefined;
  return {
    orders: (env.BENCH_ORDERS ?? '1000,100000').split(',').map((n) => positive('BENCH_ORDERS', n.trim())),
    brokers: brokers as BenchBroker[],
    rounds: positive('BENCH_ROUNDS', env.BENCH_ROUNDS ?? '3'),
    credit: positive('BENCH_CREDIT', env.BENCH_CREDIT ?? '512'),
    sequentialOrders: positive('BENCH_SEQUENTIAL_ORDERS', env.BENCH_SEQUENTIAL_ORDERS ?? '1000'),
    handlerMs: positive('BENCH_HANDLER_MS', env.BENCH_HANDLER_MS ?? '1'),
    timeoutSeconds: env.BENCH_TIMEOUT_S ? positive('BENCH_TIMEOUT_S', env.BENCH_TIMEOUT_S) : undefined,
    logLevel: logLevel as BenchSettings['logLevel'],
    write,
    urls: { kafkaBrokers: config.KAFKA_BROKERS, amqpUrl: config.AMQP_URL, natsServers: config.NATS_URL, redisUrl: config.REDIS_URL },
    brokerEnv,
  };
}

/** Longest one measurement may consume for: BENCH_TIMEOUT_S, or 120 s plus 5 ms per event (no slower than 200 events/s). */
export const consumeTimeoutMs = (settings: BenchSettings, events: number) => (settings.timeoutSeconds ?? 120 + events / 200) * 1000;

/** Longest publishing may take: 60 s plus 5 ms per event. */
export const publishTimeoutMs = (events: number) => (60 + events / 200) * 1000;
