import { connect, ConsumerEvents, DeliverPolicy, ErrorCode, NatsError, type Consumer, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import { Subject, defer, type Observable } from 'rxjs';
import type { ClusterBus } from '../../actors/hub/clusterBus.js';
import type { HubMessage, SequencedHubMessage } from '../../actors/hub/hubMessage.js';
import { systemClock, type Clock, type TimerHandle } from '../../domain/clock.js';
import type { LogPort } from '../../streams/logPort.js';
import { decodeHubMessage, encodeHubMessage } from './natsClusterBusCodec.js';
import { NatsClusterBusClosedError, NatsClusterBusConnectionLostError, NatsClusterBusPublishError, NatsClusterBusUnreachableError } from './natsClusterBusErrors.js';
import { resolveNatsClusterBusOptions, type NatsClusterBusOptions } from './natsClusterBusOptions.js';
import { ensureSequencerStream } from './natsClusterBusStream.js';

export interface NatsClusterBus extends ClusterBus, AsyncDisposable {
  /**
   * Resolves once this instance's consumer is in place (stream made if missing): from then on it
   * receives every message published on the bus. Rejects when the server cannot be reached or
   * JetStream refuses; the bus then goes on trying in the background. Also starts the consumer.
   */
  ready(): Promise<void>;
  /** Messages received that were not hub messages or came out of sequence, dropped. */
  dropped(): number;
}

interface Open {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}
interface Reading {
  readonly consumer: Consumer;
  readonly iterator: ConsumerMessages;
}

/**
 * The cluster bus over NATS, with the same server's JetStream as its sequencer.
 *
 * Why not core NATS alone: core NATS gives a message no number. Each instance could count what it
 * receives, but the counts would differ (an instance that started later, or missed messages while
 * reconnecting, counts from elsewhere), and a publisher cannot learn the number of its own message;
 * two publishers' messages do reach every subscriber of one server in the same order, but a
 * cluster of servers (routes, gateways, leaf nodes) does not promise even that. A number every
 * instance agrees on needs one place that hands them out: a JetStream stream does, and its ack
 * tells the publisher the number.
 *
 * So: a small memory stream on one subject (limits: `maxMessages`, `maxAgeMs`, discard old; see
 * `ensureSequencerStream`); `publish` is a JetStream publish and resolves with `PubAck.seq`; every
 * instance reads with an ordered consumer starting at "new" (deliver policy new: what is published
 * from the moment it is in place), so all see the same messages in stream order with the stream's
 * sequence. The ordered consumer has no acks and no durable state on the server; when a delivery
 * is missing, after a reconnect or missed heartbeats, nats.js makes a new one starting after the
 * last sequence seen, so a short outage loses nothing the stream still holds. A server restart
 * loses the memory stream: a publish that finds no stream (no responders) and a consumer told
 * "stream not found" make it again, numbered above the lost one. What the stream no longer holds
 * is missed: AT-MOST-ONCE, as the port says; the hub's resume covers the jump in `seq`.
 *
 * Bounded: the consumer pulls at most `pullBatch` messages at a time; nats.js hands each to
 * `messages$` as it arrives (callback form) and holds none; the stream holds at most `maxMessages`.
 */
export function createNatsClusterBus(options: NatsClusterBusOptions = {}, deps: { clock?: Clock; log?: LogPort } = {}): NatsClusterBus {
  const config = resolveNatsClusterBusOptions(options);
  const clock = deps.clock ?? systemClock;
  const { log } = deps;
  const messages = new Subject<SequencedHubMessage>();
  let connecting: Promise<Open> | undefined;
  let reading: Promise<Reading> | undefined;
  let ensuring: Promise<void> | undefined;
  let streamEnsured = false;
  let restartTimer: TimerHandle | undefined;
  let closing: Promise<void> | undefined;
  let lastSeq = 0;
  let dropped = 0;

  const connection = (): Promise<Open> => {
    if (closing) return Promise.reject(new NatsClusterBusClosedError());
    const attempt = (connecting ??= (async () => {
      const nc = await connect({
        servers: config.servers,
        name: config.name,
        timeout: config.connectTimeoutMs,
        waitOnFirstConnect: false, // the first attempt fails fast and clearly
        maxReconnectAttempts: -1, // afterwards: forever
        reconnectTimeWait: config.reconnectWaitMs,
      }).catch((cause: unknown) => {
        throw new NatsClusterBusUnreachableError(config.servers, { cause });
      });
      if (closing) {
        await nc.close(); // closed while connecting: leave nothing open
        throw new NatsClusterBusClosedError();
      }
      void nc.closed().then((cause) => {
        if (closing) return;
        // Reconnecting without end, the connection closes on its own only for good (e.g. refused credentials).
        messages.error(new NatsClusterBusConnectionLostError({ cause }));
        void close();
      });
      const jsm = await nc.jetstreamManager({ timeout: config.requestTimeoutMs }).catch(async (cause: unknown) => {
        await nc.close();
        throw new NatsClusterBusUnreachableError(config.servers, { cause });
      });
      return { nc, js: nc.jetstream({ timeout: config.requestTimeoutMs }), jsm };
    })());
    attempt.catch(() => {
      if (connecting === attempt) connecting = undefined; // the next caller tries again
    });
    return attempt;
  };

  /** One at a time: a publish and a consumer that both find the stream gone make it once. */
  const ensureStream = () =>
    (ensuring ??= (async () => {
      const { jsm } = await connection();
      await ensureSequencerStream(jsm, config, clock);
      streamEnsured = true;
    })().finally(() => (ensuring = undefined)));

  const onMessage = (message: JsMsg) => {
    if (closing) return;
    const hubMessage = decodeHubMessage(message.seq, message.data);
    if (hubMessage === undefined || hubMessage.seq <= lastSeq) {
      dropped++;
      log?.warn({ bus: 'nats', stream: config.stream, lastSeq, seq: message.seq }, 'cluster bus dropped a message that is not a hub message or is out of sequence');
      return;
    }
    lastSeq = hubMessage.seq;
    // nats.js stops the consumer if this callback throws; a Subject reports its subscribers' errors elsewhere.
    try {
      messages.next(hubMessage);
    } catch (error) {
      log?.error({ bus: 'nats', err: error }, 'cluster bus subscriber threw');
    }
  };

  /** Starts the ordered consumer, or gives the one started; a failed or ended one is started again after `pullExpiresMs`. */
  const startReading = (): Promise<Reading> => {
    if (closing) return Promise.reject(new NatsClusterBusClosedError());
    const attempt = (reading ??= (async () => {
      await ensureStream();
      const { js } = await connection();
      // After the first start: go on after the last sequence seen, so a restart of reading skips nothing the stream holds.
      const from = lastSeq > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 } : { deliver_policy: DeliverPolicy.New };
      const consumer = await js.consumers.get(config.stream, { ...from, filterSubjects: config.subject });
      const iterator = await consumer.consume({ max_messages: config.pullBatch, expires: config.pullExpiresMs, callback: onMessage });
      void watchConsumer(iterator);
      void iterator.closed().then(
        () => readingEnded(attempt),
        (error: unknown) => readingEnded(attempt, error),
      );
      return { consumer, iterator };
    })());
    attempt.catch((error: unknown) => readingEnded(attempt, error));
    return attempt;
  };

  const readingEnded = (attempt: Promise<Reading>, error?: unknown) => {
    if (closing || reading !== attempt) return;
    reading = undefined;
    log?.warn({ bus: 'nats', stream: config.stream, err: error }, 'cluster bus consumer stopped; starting it again');
    clock.clearTimeout(restartTimer);
    restartTimer = clock.setTimeout(() => void startReading().catch(() => undefined), config.pullExpiresMs);
  };

  /** The ordered consumer recreates itself, but not the stream: a memory stream lost with a server restart is made again here. */
  const watchConsumer = async (iterator: ConsumerMessages) => {
    for await (const status of await iterator.status()) {
      if (status.type === ConsumerEvents.StreamNotFound && !closing) {
        await ensureStream().catch((error: unknown) => log?.warn({ bus: 'nats', err: error }, 'cluster bus could not make its stream again'));
      }
    }
  };

  const send = async (js: JetStreamClient, data: Uint8Array) => (await js.publish(config.subject, data, { expect: { streamName: config.stream } })).seq;

  const publish = async (message: HubMessage): Promise<number> => {
    if (closing) throw new NatsClusterBusClosedError();
    const data = encodeHubMessage(message, config.maxMessageBytes);
    const { js } = await connection();
    try {
      if (!streamEnsured) await ensureStream();
      return await send(js, data);
    } catch (error) {
      if (!(error instanceof NatsError && error.code === ErrorCode.NoResponders)) throw new NatsClusterBusPublishError({ cause: error });
    }
    // No stream answered: it is gone (a memory stream does not outlive a server restart). Make it again and publish once more.
    try {
      await ensureStream();
      return await send(js, data);
    } catch (cause) {
      throw new NatsClusterBusPublishError({ cause });
    }
  };

  const close = () =>
    (closing ??= (async () => {
      clock.clearTimeout(restartTimer);
      messages.complete();
      const current = reading && (await settleWithin(clock, reading, config.closeTimeoutMs));
      if (current) {
        await settleWithin(clock, current.iterator.close(), config.closeTimeoutMs);
        // Ordered consumers are ephemeral: deleting ours spares the server keeping it until its inactivity threshold.
        await settleWithin(clock, current.consumer.delete(), config.closeTimeoutMs);
      }
      const open = connecting && (await settleWithin(clock, connecting, config.closeTimeoutMs));
      if (open && !open.nc.isClosed()) {
        await settleWithin(clock, open.nc.drain(), config.closeTimeoutMs);
        if (!open.nc.isClosed()) await open.nc.close();
      }
    })());

  return {
    publish,
    // Hot: subscribing starts the consumer if nothing did yet; `ready()` says when it is in place.
    messages$: defer((): Observable<SequencedHubMessage> => {
      if (!closing) startReading().catch(() => undefined);
      return messages;
    }),
    ready: async () => {
      await startReading();
    },
    dropped: () => dropped,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** What `work` gives, or `undefined` when it fails or takes longer than `ms`; never rejects. */
async function settleWithin<T>(clock: Clock, work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: TimerHandle;
  const expired = new Promise<undefined>((resolve) => (timer = clock.setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([work.catch(() => undefined), expired]);
  } finally {
    clock.clearTimeout(timer);
  }
}
