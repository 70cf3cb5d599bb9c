import type { ClusterBus } from '../../../src/actors/hub/clusterBus.js';
import { createMemoryClusterBus } from '../../../src/gateways/memory/createMemoryClusterBus.js';
import { clusterBusContract } from '../../contract/clusterBusContract.js';

// The in-process bus: one process is the whole cluster, so every "instance" is the one bus, and
// it has no size limit (nothing is serialised). The contract skips the two tests that need those.
clusterBusContract({
  name: 'memory cluster bus',
  openInstances: async (count) => {
    const bus = createMemoryClusterBus();
    return Array.from({ length: count }, (): ClusterBus => bus);
  },
  features: { separateInstances: false },
});
