import { connect } from 'amqplib';
import { createRabbitMqGateway } from '../../../src/gateways/rabbitmq/createRabbitMqGateway.js';
import { sourceContract } from '../../contract/sourceContract.js';

// Against the RabbitMQ on this machine (shared): every queue a test declares has a name unique
// to the run and is deleted when the test's gateway closes.
const url = process.env.ORDERLY_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

sourceContract({
  name: 'rabbitmq gateway',
  features: { countsRedeliveries: true, competingConsumers: true, independentGroups: false, durable: true, outlivesGateway: true },
  patienceMs: 5_000,
  async create() {
    const gateway = createRabbitMqGateway({ url });
    const queues = new Set<string>();
    return {
      ...gateway,
      prepare: async (channels) => {
        for (const c of channels) queues.add(c);
        await gateway.prepare(channels);
      },
      close: async () => {
        await gateway.close();
        const admin = await connect(url);
        const channel = await admin.createChannel();
        for (const queue of queues) await channel.deleteQueue(queue);
        await admin.close();
      },
    };
  },
});
