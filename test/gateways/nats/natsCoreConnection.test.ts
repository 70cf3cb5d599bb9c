import { afterEach, describe, expect, it } from 'vitest';
import { createNatsCoreGateway, type NatsCoreGateway } from '../../../src/gateways/nats/createNatsCoreGateway.js';
import { NatsCoreClosedError, NatsCoreUnreachableError } from '../../../src/gateways/nats/natsCoreErrors.js';
import { sparePort, type SpareBroker } from '../../support/spareBroker.js';
import { startSpareNats } from '../../support/spareBrokers.js';
import { consume, eventually, outbound, recordingLog, text, uniqueSubject } from './natsCoreTestKit.js';

// A NATS server of the test's own on a spare port, so that it may be restarted; the shared one is never touched.
const patienceMs = 10_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const gatewayFor = (servers: string, log = recordingLog().log): NatsCoreGateway => {
  const gateway = createNatsCoreGateway({ servers, reconnectWaitMs: 100, connectTimeoutMs: 2000 }, { log });
  cleanups.push(() => gateway.close());
  return gateway;
};

describe('nats core gateway - connection', () => {
  it('fails the start with a named error when no server answers, and the consumer errors with it', async () => {
    const port = await sparePort();
    const gateway = gatewayFor(`127.0.0.1:${port}`);
    const failure = await gateway.prepare(['order.created']).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NatsCoreUnreachableError);
    expect((failure as Error).message).toContain(`127.0.0.1:${port}`);
    const c = consume(gateway, { channels: ['order.created'], group: 'g', credit: 1 });
    await eventually(() => c.failed() !== undefined, patienceMs, 'the consumer to fail');
    expect(c.failed()).toBeInstanceOf(NatsCoreUnreachableError);
  });

  it('keeps its subscription across server restarts, and says it is ready again after each', async () => {
    const broker: SpareBroker = await startSpareNats();
    cleanups.push(() => broker.dispose());
    const { log, lines } = recordingLog();
    const gateway = gatewayFor(broker.url, log);
    const channel = uniqueSubject('restart');
    const c = consume(gateway, { channels: [channel], group: 'g', credit: 10 });
    await eventually(() => c.readyCount() === 1, patienceMs, 'the subscription');
    await gateway.publish(channel, outbound('before'));
    for (const round of [1, 2]) {
      await broker.restart(100);
      await eventually(() => c.readyCount() === 1 + round, patienceMs, `ready again after restart ${round}`);
      await gateway.publish(channel, outbound(`after-${round}`));
    }
    await eventually(() => c.deliveries.length === 3, patienceMs, 'the messages published around the restarts');
    expect(c.deliveries.map(text)).toEqual(['before', 'after-1', 'after-2']);
    expect(c.failed()).toBeUndefined();
    expect(lines.filter((l) => l.message.includes('reconnected'))).toHaveLength(2);
    await Promise.all(c.deliveries.map((d) => d.ack()));
    c.subscription.unsubscribe();
  });

  it('close ends the consumers without an error, is idempotent, and refuses what comes after', async () => {
    const broker: SpareBroker = await startSpareNats();
    cleanups.push(() => broker.dispose());
    const gateway = gatewayFor(broker.url);
    const c = consume(gateway, { channels: [uniqueSubject('close')], group: 'g', credit: 1 });
    await eventually(() => c.readyCount() === 1, patienceMs, 'the subscription');
    await Promise.all([gateway.close(), gateway.close()]);
    expect(c.done()).toBe(true);
    expect(c.failed()).toBeUndefined();
    await expect(gateway.publish('anything', outbound('late'))).rejects.toBeInstanceOf(NatsCoreClosedError);
    const late = consume(gateway, { channels: ['anything'], group: 'g', credit: 1 });
    expect(late.done()).toBe(true);
  });
});
