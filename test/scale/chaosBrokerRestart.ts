import type { SpareBroker } from '../support/spareBroker.js';
import { startSpareKafka, startSpareNats, startSpareRabbitMq, startSpareRedis } from '../support/spareBrokers.js';
import { brokerRestartHook } from './brokerRestartHook.js';
import { brokerArg } from './chaosHook.js';
import { CHAOS, runOptions } from './runOptions.js';
import { main, numberArgs } from './runScale.js';
import type { ScaleBroker } from './scaleBrokers.js';

/**
 * Chaos: the broker restarted mid-run. A broker of the run's own, on a spare port with its data in
 * a temporary folder (the shared 4222, 9092, 5672 and 6379 are never touched), carries the load;
 * once `at` of the transitions are out it is stopped gracefully, left down `down` ms and started
 * again on the same port and data. Orderly and the harness's producer reconnect; the oracle must
 * find nothing lost and nothing applied twice (in publish order per order on Kafka; elsewhere
 * what was unacked comes back after newer messages, so any order the rules accept is allowed).
 * `node dist/test/scale/chaosBrokerRestart.js [--broker nats|kafka|rabbitmq|redis]
 * [--events 20000 --orders 2000 --down 5000 --at 0.3 --seed 23 --attempts 40]`.
 */
interface SpareFor {
  /** How the hook's lines name it. */
  readonly label: string;
  readonly start: () => Promise<SpareBroker>;
  /** Settings that point Orderly and the harness's gateway at it. */
  readonly env: (broker: SpareBroker) => Record<string, string>;
}

const SPARES: Record<ScaleBroker, SpareFor> = {
  nats: { label: 'the NATS server', start: startSpareNats, env: (b) => ({ NATS_URL: `nats://127.0.0.1:${b.port}` }) },
  kafka: { label: 'the Kafka broker', start: startSpareKafka, env: (b) => ({ KAFKA_BROKERS: b.url }) },
  rabbitmq: { label: 'the RabbitMQ node', start: startSpareRabbitMq, env: (b) => ({ AMQP_URL: b.url }) },
  // Orderly has one Redis setting: the Streams source, the store, the dead-letter index and the hub bus all follow REDIS_URL, so all restart together.
  redis: { label: 'the Redis server (Streams source and store)', start: startSpareRedis, env: (b) => ({ REDIS_URL: b.url }) },
};

const { broker, rest } = brokerArg<ScaleBroker>(['nats', 'kafka', 'rabbitmq', 'redis'], 'nats');
// `attempts`: tries per message; 40, 100 ms × the try apart (82 s), lets the producer wait the broker out as Orderly does instead of giving up on an order within 1.5 s.
const args = numberArgs({ events: 20_000, orders: 2_000, down: 5_000, at: 0.3, seed: 23, attempts: 40 }, rest);
const spare = SPARES[broker];
const own = await spare.start();
console.log(`broker: ${broker} on port ${own.port} (data in ${own.dir})`);
await main(
  `chaos: ${spare.label} restarted (down ${args.down} ms) during ${args.events} events over ${args.orders} orders`,
  runOptions(args, {
    broker,
    instances: 1,
    timeoutMs: 10 * 60_000,
    ...CHAOS,
    publishAttempts: args.attempts,
    env: spare.env(own),
    chaos: brokerRestartHook(own, { at: args.at, downMs: args.down, label: spare.label }),
  }),
  () => own.dispose(),
);
