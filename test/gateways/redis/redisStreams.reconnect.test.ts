import { createRedisStreamsGateway } from '../../../src/gateways/redis/createRedisStreamsGateway.js';
import { reconnectContract } from '../../contract/reconnectContract.js';
import { startSpareRedis } from '../../support/spareBrokers.js';

// Against a redis-server this file starts on a spare port (append-only, fsync always) and
// restarts; the machine's shared Redis on 6379 is never used here.
reconnectContract({
  name: 'redis streams gateway',
  startBroker: startSpareRedis,
  // A short claim time: an entry whose ack Redis refused while down comes back soon.
  create: async (broker) => createRedisStreamsGateway({ url: broker.url, claimIdleMs: 1_000 }),
  recoversInPlace: true,
});
