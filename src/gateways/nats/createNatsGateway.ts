import { connect, Events, StorageType, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { systemClock, type Clock, type TimerHandle } from '../../domain/clock.js';
import type { BrokerGateway } from '../../streams/brokerGateway.js';
import type { LogPort } from '../../streams/logPort.js';
import { REPLAYED_FROM_HEADER } from '../../streams/replayDeadLetter.js';
import type { OutboundMessage } from '../../streams/source.js';
import { consumeSubjects } from './consumeSubjects.js';
import { toNatsHeaders } from './natsMessage.js';
import { resolveNatsOptions, type NatsOptions } from './natsOptions.js';
import { watchMaxDeliveries } from './watchMaxDeliveries.js';

/** Longest `close` waits for settlements in flight (JetStream's own request timeout). */
const CLOSE_SETTLE_MS = 5_000;

/** This gateway is a plain `BrokerGateway`; its specifics are in the doc comment below. */
export type NatsGateway = BrokerGateway;

/**
 * The NATS JetStream gateway: channels are subjects captured by one stream (`ORDERS`), every
 * group is a durable pull consumer per subject, credit is `max_ack_pending`, acks are
 * double-acked (`ackAck`) so a settlement resolves only once the server has it, a retry is a
 * `nak` with delay, and a dead letter is published to `<subject>.dlq` before the original is
 * terminated (`term`). The connection reconnects without end; consumers pull again after each
 * reconnect (see `consumeSubjects`). A publish while the server is away waits for the reconnect
 * up to the JetStream timeout and is refused after it: only a resolved publish is the server's.
 *
 * A publish is deduplicated by the server (`Nats-Msg-Id`, within the stream's duplicate window) on
 * its `message-id` header; a replayed dead letter (`x-dead-letter-replayed-from`, set by
 * `replayDeadLetter`) keeps its original `message-id` for Orderly's own dedup but is deduplicated on
 * the entry it replays instead, or the server would discard it as the original's duplicate.
 *
 * The safety net: every durable consumer has `max_deliver` (`NatsOptions.maxDeliver`), and from
 * its connect to its `close` the gateway copies what the server gave up on to its `.dlq`
 * (`watchMaxDeliveries`, one copy however many gateways watch the stream).
 */
export function createNatsGateway(options: NatsOptions = {}, deps: { clock?: Clock; log?: LogPort } = {}): NatsGateway {
  const config = resolveNatsOptions(options);
  const clock = deps.clock ?? systemClock;
  let connecting: Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> | undefined;
  let closing: Promise<void> | undefined;
  /** Stops the max-deliveries watcher of the current connection (one per connection, so per gateway). */
  let stopWatching: (() => void) | undefined;
  const captured = new Set<string>();

  /** Called after every reconnect; one per live subscription, each removed when it ends. */
  const reconnectListeners = new Set<() => void>();
  const onReconnect = (listener: () => void) => {
    reconnectListeners.add(listener);
    return () => void reconnectListeners.delete(listener);
  };

  const jetstream = () => {
    if (closing) return Promise.reject(new Error('NATS gateway is closed'));
    const opening = (connecting ??= (async () => {
      // Reconnects without end: a consumer gives up on its own (`recoverWithinMs`), the gateway does not.
      const nc = await connect({ servers: config.servers, maxReconnectAttempts: -1 });
      void (async () => {
        for await (const status of nc.status()) if (status.type === Events.Reconnect) for (const listener of reconnectListeners) listener();
      })().catch(() => undefined);
      const jsm = await nc.jetstreamManager();
      stopWatching = watchMaxDeliveries(nc, jsm, { stream: config.stream, clock, ...(deps.log ? { log: deps.log } : {}) });
      return { nc, js: nc.jetstream(), jsm };
    })());
    // A failed connect is not remembered: the next caller tries again.
    opening.catch(() => {
      if (connecting === opening) connecting = undefined;
    });
    return opening;
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

  /** Publishes with `msgID` as the server's dedup id (none when undefined). */
  const publishWith = async (channel: string, message: OutboundMessage, msgID: string | undefined) => {
    await prepare([channel]);
    const { js } = await jetstream();
    await js.publish(channel, message.body, { headers: toNatsHeaders(message), ...(msgID ? { msgID } : {}) });
  };
  const publish = (channel: string, message: OutboundMessage) => {
    const replayOf = message.headers[REPLAYED_FROM_HEADER];
    return publishWith(channel, message, replayOf ? `replay:${replayOf}` : message.headers['message-id']);
  };

  /** Settlements in flight (at most the credit of each subscription). */
  const settling = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>) => {
    settling.add(promise);
    promise.then(
      () => settling.delete(promise),
      () => settling.delete(promise),
    );
  };

  const close = () =>
    (closing ??= (async () => {
      const open = await connecting?.catch(() => undefined);
      // Acks already on their way get their answer before the connection goes, within a deadline.
      let deadline: TimerHandle | undefined;
      await Promise.race([
        Promise.allSettled(settling),
        new Promise((resolve) => (deadline = clock.setTimeout(() => resolve(undefined), CLOSE_SETTLE_MS))),
      ]);
      clock.clearTimeout(deadline);
      stopWatching?.();
      await open?.nc.drain().catch(() => undefined);
    })());

  return {
    consume: (consumeOptions) =>
      consumeSubjects({ jetstream, prepare, publish: publishWith, onReconnect, track, gatewayClosed: () => closing !== undefined, options: config, clock }, consumeOptions),
    publish,
    deadLetterChannel: (channel) => `${channel}.dlq`,
    prepare,
    close,
    [Symbol.asyncDispose]: close,
  };
}
