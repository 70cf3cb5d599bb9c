import { createRedisListGateway } from '../../../src/gateways/redis/createRedisListGateway.js';
import { reconnectContract } from '../../contract/reconnectContract.js';
import { startSpareRedis } from '../../support/spareBrokers.js';

// Against a redis-server this file starts on a spare port (append-only, fsync always) and
// restarts; the machine's shared Redis on 6379 is never used here. The list consumer's blocking
// connection does not reconnect by design (a BLMOVE whose reply was lost would strand an entry),
// so its subscription fails and is subscribed again, as the application does; entries it held
// come back once its liveness key expires — short here.
reconnectContract({
  name: 'redis list gateway',
  startBroker: startSpareRedis,
  create: async (broker) => createRedisListGateway({ url: broker.url, staleAfterMs: 1_000 }),
  recoversInPlace: false,
});
