import { connect } from 'nats';
import { createNatsGateway } from '../../../src/gateways/nats/createNatsGateway.js';
import { sourceContract, unique } from '../../contract/sourceContract.js';

// Against the NATS JetStream server of this machine (shared): each test's gateway gets a stream
// of its own, named for the run and deleted when the gateway closes.
const servers = process.env.ORDERLY_NATS_SERVERS ?? '127.0.0.1:4222';

sourceContract({
  name: 'nats jetstream gateway',
  features: { countsRedeliveries: true, competingConsumers: true, independentGroups: true, durable: true, outlivesGateway: true },
  patienceMs: 5_000,
  async create() {
    const stream = unique('stream').replace(/[^A-Za-z0-9_-]/g, '_');
    // A short ack wait: what a consumer that went away had already pulled comes back after it.
    const gateway = createNatsGateway({ servers, stream, ackWaitMs: 1000 });
    return {
      ...gateway,
      close: async () => {
        await gateway.close();
        const nc = await connect({ servers });
        const jsm = await nc.jetstreamManager();
        await jsm.streams.delete(stream).catch(() => undefined);
        await nc.close();
      },
    };
  },
});
