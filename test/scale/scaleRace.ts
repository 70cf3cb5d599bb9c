import { main, numberArgs } from './runScale.js';

// Two or more instances racing on one order: three pipelines compete for one RabbitMQ queue, and
// each order's events (a creation and failed payments, which the rules accept in any order once
// the order exists) are published all at once, so they land on different instances together and
// some come before their order exists. The store's compare-and-set and the stash must still give
// every order all of its events exactly once; the instances count the conflicts they lost and
// which of them wrote each order. `node dist/test/scale/scaleRace.js [--orders 2000 --events 16000]`.
const args = numberArgs({ orders: 2_000, events: 16_000, seed: 11 });
await main(`racing instances on RabbitMQ: ${args.events} events over ${args.orders} orders, all of an order at once`, {
  broker: 'rabbitmq',
  orders: args.orders,
  events: args.events,
  users: Math.max(1, Math.floor(args.orders / 5)),
  seed: args.seed,
  mix: 'commuting',
  instances: 3,
  watchedUsers: 0,
  perOrder: 'burst',
  ordering: 'none',
  expectAllApplied: true,
  entry: 'race',
  timeoutMs: 6 * 60_000,
  quietMs: 45_000,
});
