import { createNatsCoreGateway } from '../../../src/gateways/nats/createNatsCoreGateway.js';
import type { LogPort } from '../../../src/streams/logPort.js';
import { sourceContract } from '../../contract/sourceContract.js';

// Against the NATS server of this machine (shared). Core NATS keeps nothing, so there is nothing
// to delete afterwards: the suite's subjects are unique to the run and vanish with their subscribers.
const servers = process.env.ORDERLY_NATS_SERVERS ?? '127.0.0.1:4222';
const quiet: LogPort = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

sourceContract({
  name: 'nats core gateway',
  // At-most-once: nothing kept for an absent consumer, nothing outlives the gateway. Retries are
  // local and count their attempts; queue groups compete within, and each group gets everything.
  features: { countsRedeliveries: true, competingConsumers: true, independentGroups: true, durable: false, outlivesGateway: false },
  patienceMs: 5_000,
  create: () => Promise.resolve(createNatsCoreGateway({ servers }, { log: quiet })),
});
