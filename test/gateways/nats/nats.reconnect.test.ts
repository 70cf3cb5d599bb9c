import type { Subscription } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createNatsGateway, type NatsGateway } from '../../../src/gateways/nats/createNatsGateway.js';
import type { Delivery } from '../../../src/streams/delivery.js';
import { reconnectContract } from '../../contract/reconnectContract.js';
import { unique } from '../../contract/sourceContract.js';
import type { SpareBroker } from '../../support/spareBroker.js';
import { startSpareNats } from '../../support/spareBrokers.js';

// Against nats-server instances (JetStream, own store directory) this file starts on spare ports;
// the machine's shared server on 4222 is never used here.
reconnectContract({
  name: 'nats jetstream gateway',
  startBroker: startSpareNats,
  // A short ack wait: what was in flight when the server went away comes back soon.
  create: async (broker) => createNatsGateway({ servers: broker.url, stream: 'RECONNECT', ackWaitMs: 2_000 }),
  recoversInPlace: true,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function within(ms: number, check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

describe('nats jetstream gateway - missed heartbeats', () => {
  let broker: SpareBroker | undefined;
  let gateway: NatsGateway | undefined;
  let subscription: Subscription | undefined;
  afterAll(async () => {
    subscription?.unsubscribe();
    broker?.resume();
    await gateway?.close();
    await broker?.dispose();
  });

  it('stops the pull and consumes again when the server goes quiet, and never while it is not', async () => {
    broker = await startSpareNats();
    // A pull that would outlast the pause by far: only the heartbeats can tell that it went quiet.
    gateway = createNatsGateway({ servers: broker.url, stream: 'QUIET', pullExpiresMs: 20_000, idleHeartbeatMs: 500 });
    const channel = unique('quiet');
    await gateway.prepare([channel]);
    let ready = 0;
    const deliveries: Delivery[] = [];
    subscription = gateway.consume({ channels: [channel], group: unique('group'), credit: 10, onReady: () => ready++ }).subscribe((d) => deliveries.push(d));
    await within(5_000, () => ready === 1, 'the consumer to be in place');

    // A live server sends its heartbeats: no false alarm while idle for several intervals.
    await sleep(2_500);
    expect(ready).toBe(1);

    broker.pause(); // the connection stays open; the client sees no disconnect, only silence
    await sleep(2_500);
    broker.resume();
    await within(10_000, () => ready === 2, 'the consumer to pull again after the missed heartbeats');

    await gateway.publish(channel, { body: new TextEncoder().encode('after-the-silence'), headers: {}, key: 'k' });
    await within(5_000, () => deliveries.length === 1, 'the message published after the silence');
    expect(new TextDecoder().decode(deliveries[0]!.message.body)).toBe('after-the-silence');
    await deliveries[0]!.ack();
  });
});
