import { runOptions, SCALE_OUT } from './runOptions.js';
import { main, numberArgs } from './runScale.js';

// Three Orderly processes in one consumer group on a 12-partition topic, the Redis store and the
// Redis hub bus; one is SIGKILLed at 30 % and a fourth joins at 60 %. `node dist/test/scale/scaleKafka.js
// [--orders 10000 --events 100000 --watch 30 --seed 7]`.
const args = numberArgs({ orders: 10_000, events: 100_000, watch: 30, seed: 7 });
await main(`scale-out on Kafka: ${args.events} events over ${args.orders} orders`, runOptions(args, { broker: 'kafka', ...SCALE_OUT, watchedUsers: args.watch }));
