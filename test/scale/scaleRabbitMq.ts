import { runOptions, SCALE_OUT } from './runOptions.js';
import { main, numberArgs } from './runScale.js';

// The Kafka run's shape on RabbitMQ: three processes are competing consumers of one quorum queue;
// one is SIGKILLed (the broker requeues what it held) and a fourth joins. A queue's consumers keep
// no per-order order between them, so the oracle checks that whatever order the store applied is
// one the rules accept, with nothing lost or applied twice.
// `node dist/test/scale/scaleRabbitMq.js [--orders 3000 --events 30000 --watch 30 --seed 7]`.
const args = numberArgs({ orders: 3_000, events: 30_000, watch: 30, seed: 7 });
await main(`scale-out on RabbitMQ: ${args.events} events over ${args.orders} orders`, runOptions(args, { broker: 'rabbitmq', ...SCALE_OUT, watchedUsers: args.watch }));
