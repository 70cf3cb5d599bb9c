import { createMemoryBroker } from '../../../src/gateways/memory/index.js';
import { sourceContract } from '../../contract/sourceContract.js';

sourceContract({
  name: 'memory broker',
  features: { countsRedeliveries: true, competingConsumers: true, independentGroups: true, durable: true, outlivesGateway: false },
  patienceMs: 2_000,
  async create() {
    const broker = createMemoryBroker();
    return broker;
  },
});
