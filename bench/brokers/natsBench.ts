import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, connect, DeliverPolicy, StorageType, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import type { BrokerBench, BrokerUrls, RunningConsumer } from './brokerBench.js';
import { BENCH_EVENT_TYPES, goEvents, inSlices } from './goEvents.js';
import type { Meter } from './meter.js';
import type { RunNames } from './runNames.js';

/** Durable names may not contain dots. */
const durableOf = (kind: string, subject: string) => `${kind}__${subject}`.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * A durable pull consumer per subject, each drained by `consume()` (the client keeps pulling as
 * `max_messages` are used up) into a loop that awaits `handle` for each message. `flush` is a
 * round trip to the server, so every `ack()` written before it has arrived.
 */
async function consuming(
  urls: BrokerUrls,
  names: RunNames,
  kind: string,
  meter: Meter,
  pull: { max_messages?: number },
  handle: (message: JsMsg) => Promise<void> | void,
): Promise<RunningConsumer> {
  const nc = await connect({ servers: [...urls.natsServers], name: `${names.runId}-${kind}` });
  const jsm = await nc.jetstreamManager();
  const batches: ConsumerMessages[] = [];
  const loops: Promise<void>[] = [];
  let stopping = false;
  for (const type of BENCH_EVENT_TYPES) {
    const subject = names.channel(type);
    const durable = durableOf(kind, subject);
    await jsm.consumers.add(names.natsStream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: subject });
    const messages = await nc.jetstream().consumers.get(names.natsStream, durable).then((c) => c.consume(pull));
    batches.push(messages);
    loops.push(
      (async () => {
        for await (const message of messages) await handle(message);
      })().catch((error: unknown) => {
        if (!stopping) meter.acked.fail(error);
      }),
    );
  }
  return {
    flush: () => nc.flush(),
    stop: async () => {
      stopping = true;
      for (const messages of batches) messages.stop();
      await Promise.all(loops);
      await closeQuietly(nc);
    },
  };
}

const closeQuietly = (nc: NatsConnection) => nc.close().catch(() => undefined);

/** NATS JetStream with nats.js: one stream for the run's subjects, durable pull consumers. */
export function natsBench(urls: BrokerUrls): BrokerBench {
  return {
    name: 'nats',

    async publish(names, orders) {
      const nc = await connect({ servers: [...urls.natsServers], name: `${names.runId}-producer` });
      try {
        const jsm = await nc.jetstreamManager();
        await jsm.streams.add({ name: names.natsStream, subjects: BENCH_EVENT_TYPES.map(names.channel), storage: StorageType.File });
        const js = nc.jetstream();
        // A window of publishes in flight, each resolved by the stream's ack.
        await inSlices(goEvents(orders), 1000, async (slice) => {
          await Promise.all(slice.map((event) => js.publish(names.channel(event.type), event.body)));
        });
      } finally {
        await closeQuietly(nc);
      }
    },

    // `consume()` with half the window per subject, each message acked with a plain `ack()`
    // (no double-ack round trip): the fast path of nats.js' documentation.
    raw: (names, meter, window) =>
      consuming(urls, names, 'raw', meter, { max_messages: Math.max(1, Math.floor(window / BENCH_EVENT_TYPES.length)) }, (message) => {
        meter.received();
        message.ack();
        meter.acked.tick();
      }),

    // The same loop with nats.js' default pull size, awaiting the handler before the ack.
    sequential: (names, meter, handlerMs) =>
      consuming(urls, names, 'sequential', meter, {}, async (message) => {
        meter.received();
        await sleep(handlerMs);
        message.ack();
        meter.acked.tick();
      }),

    async cleanup(names) {
      const nc = await connect({ servers: [...urls.natsServers], name: `${names.runId}-cleanup` });
      try {
        // Deleting the stream deletes its consumers, Orderly's durables included.
        await (await nc.jetstreamManager()).streams.delete(names.natsStream).catch(() => undefined);
      } finally {
        await closeQuietly(nc);
      }
    },
  };
}
