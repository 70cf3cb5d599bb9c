import { runOptions, SCALE_OUT } from './runOptions.js';
import { main, numberArgs } from './runScale.js';

// The Kafka run's shape on NATS JetStream: three processes share one durable pull consumer; one is
// SIGKILLed (its unacked messages come back after the 30 s ack wait) and a fourth joins. JetStream
// keeps no per-order order across the members of a durable consumer, so the oracle checks that
// whatever order the store applied is one the rules accept, with nothing lost or applied twice.
// `node dist/test/scale/scaleNats.js [--orders 3000 --events 30000 --watch 30 --seed 7]`.
const args = numberArgs({ orders: 3_000, events: 30_000, watch: 30, seed: 7 });
await main(`scale-out on NATS JetStream: ${args.events} events over ${args.orders} orders`, runOptions(args, { broker: 'nats', ...SCALE_OUT, watchedUsers: args.watch }));
