import { main, numberArgs } from './runScale.js';

// Three Orderly processes in one consumer group on a 12-partition topic, the Redis store and the
// Redis hub bus; one is SIGKILLed at 30 % and a fourth joins at 60 %. `node dist/test/scale/scaleKafka.js
// [--orders 10000 --events 100000 --watch 30 --seed 7]`.
const args = numberArgs({ orders: 10_000, events: 100_000, watch: 30, seed: 7 });
await main(`scale-out on Kafka: ${args.events} events over ${args.orders} orders`, {
  broker: 'kafka',
  orders: args.orders,
  events: args.events,
  users: Math.max(1, Math.floor(args.orders / 5)),
  seed: args.seed,
  mix: 'story',
  instances: 3,
  killAt: 0.3,
  joinAt: 0.6,
  watchedUsers: args.watch,
  perOrder: 'sequential',
  ordering: 'per-order',
  timeoutMs: 9 * 60_000,
  quietMs: 60_000,
});
