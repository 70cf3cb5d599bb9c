import { connect, StorageType, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { BrokerGateway } from '../../streams/brokerGateway.js';
import type { OutboundMessage } from '../../streams/source.js';
import { consumeSubjects } from './consumeSubjects.js';
import { toNatsHeaders } from './natsMessage.js';
import { resolveNatsOptions, type NatsOptions } from './natsOptions.js';

/** This gateway is a plain `BrokerGateway`; its specifics are in the doc comment below. */
export type NatsGateway = BrokerGateway;

/**
 * The NATS JetStream gateway: channels are subjects captured by one stream (`ORDERS`), every
 * group is a durable pull consumer per subject, credit is `max_ack_pending`, acks are
 * double-acked (`ackAck`) so a settlement resolves only once the server has it, a retry is a
 * `nak` with delay, and a dead letter is published to `<subject>.dlq` before the original is
 * acked.
 */
export function createNatsGateway(options: NatsOptions = {}, deps: { clock?: Clock } = {}): NatsGateway {
  const config = resolveNatsOptions(options);
  const clock = deps.clock ?? systemClock;
  let connecting: Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> | undefined;
  let closing: Promise<void> | undefined;
  const captured = new Set<string>();

  const jetstream = () => {
    if (closing) return Promise.reject(new Error('NATS gateway is closed'));
    return (connecting ??= (async () => {
      const nc = await connect({ servers: config.servers });
      return { nc, js: nc.jetstream(), jsm: await nc.jetstreamManager() };
    })());
  };

  const prepare = async (channels: readonly string[]) => {
    const wanted = new Set(channels.flatMap((c) => (c.endsWith('.dlq') ? [c] : [c, `${c}.dlq`])));
    const subjects = [...wanted].filter((s) => !captured.has(s));
    if (subjects.length === 0) return;
    const { jsm } = await jetstream();
    const existing = await jsm.streams.info(config.stream).catch(() => undefined);
    if (!existing) {
      await jsm.streams.add({ name: config.stream, subjects, storage: StorageType.File });
    } else {
      const missing = subjects.filter((s) => !existing.config.subjects.includes(s));
      if (missing.length > 0) await jsm.streams.update(config.stream, { ...existing.config, subjects: [...existing.config.subjects, ...missing] });
    }
    for (const s of subjects) captured.add(s);
  };

  const publish = async (channel: string, message: OutboundMessage) => {
    await prepare([channel]);
    const { js } = await jetstream();
    const msgID = message.headers['message-id'];
    await js.publish(channel, message.body, { headers: toNatsHeaders(message), ...(msgID ? { msgID } : {}) });
  };

  const close = () =>
    (closing ??= (async () => {
      const open = await connecting?.catch(() => undefined);
      await open?.nc.drain().catch(() => undefined);
    })());

  return {
    consume: (consumeOptions) => consumeSubjects({ jetstream, prepare, publish, options: config, clock }, consumeOptions),
    publish,
    deadLetterChannel: (channel) => `${channel}.dlq`,
    prepare,
    close,
    [Symbol.asyncDispose]: close,
  };
}
