import { main, numberArgs } from './runScale.js';

// The Kafka run's shape on NATS JetStream: three processes share one durable pull consumer; one is
// SIGKILLed (its unacked messages come back after the 30 s ack wait) and a fourth joins. JetStream
// keeps no per-order order across the members of a durable consumer, so the oracle checks that
// whatever order the store applied is one the rules accept, with nothing lost or applied twice.
// `node dist/test/scale/scaleNats.js [--orders 3000 --events 30000 --watch 30 --seed 7]`.
const args = numberArgs({ orders: 3_000, events: 30_000, watch: 30, seed: 7 });
await main(`scale-out on NATS JetStream: ${args.events} events over ${args.orders} orders`, {
  broker: 'nats',
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
  ordering: 'none',
  timeoutMs: 9 * 60_000,
  quietMs: 60_000,
});
