import { connect, Events, type NatsConnection } from 'nats';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { BrokerGateway } from '../../streams/brokerGateway.js';
import type { LogPort } from '../../streams/logPort.js';
import type { OutboundMessage } from '../../streams/source.js';
import { consumeCoreSubjects, type Arrival } from './consumeCoreSubjects.js';
import { NatsCoreClosedError, NatsCoreConnectionLostError, NatsCoreFlushTimeoutError, NatsCoreUnreachableError } from './natsCoreErrors.js';
import { resolveNatsCoreOptions, type NatsCoreOptions } from './natsCoreOptions.js';
import { toNatsHeaders } from './natsMessage.js';
import { QueueGroupMembers } from './queueGroupMembers.js';

export interface NatsCoreGateway extends BrokerGateway {
  /** Messages this gateway's consumers have dropped so far (buffer full, drained, stopped): at-most-once made visible. */
  dropped(): number;
}

/** Hides whatever stands before `@` in a server URL, for log lines. */
const withoutCredentials = (server: string) => server.replace(/\/\/[^@/]*@/, '//***@');

/**
 * The core NATS gateway — plain `subscribe` and queue `subscribe`, as the Go original does:
 * AT-MOST-ONCE. Channels are subjects; a group is a queue group (members of one group compete,
 * every group gets every message). The server keeps nothing: a message published while no
 * consumer is subscribed is gone, and so is one a consumer drops or holds when its process dies.
 * See `consumeCoreSubjects` for credit, the bounded buffer and what each settlement means.
 *
 * Slow consumers: nats.js (v2) has no per-subscription pending limits like Go's
 * `SetPendingLimits`; a subscription read as an async iterator queues without bound inside
 * nats.js. The consumers here use the `callback` form instead, which nats.js calls synchronously
 * from its socket parser, so nats.js holds nothing and `maxBuffered` is the one client-side bound.
 * If the process cannot even read its socket in time (a blocked event loop), the server declares
 * it a slow consumer once its outbound buffer for the connection passes `max_pending` (64 MB by
 * default), closes the connection and drops what it held — counted by the server, not here;
 * nats.js reconnects, subscribes again, and `onReady` fires again.
 *
 * Connection: one per gateway, opened on first use; start fails with `NatsCoreUnreachableError`
 * when no server answers; after that nats.js reconnects forever and re-sends every subscription.
 */
export function createNatsCoreGateway(options: NatsCoreOptions = {}, deps: { clock?: Clock; log: LogPort }): NatsCoreGateway {
  const config = resolveNatsCoreOptions(options);
  const clock = deps.clock ?? systemClock;
  const { log } = deps;
  const members = new QueueGroupMembers<Arrival>();
  const reconnectListeners = new Set<() => void>();
  const consumerEnds = new Set<(error?: unknown) => void>();
  let connecting: Promise<NatsConnection> | undefined;
  let closing: Promise<void> | undefined;
  let dropped = 0;
  let sequence = 0;

  /** Logs disconnects, tells consumers about reconnects; ends when the connection closes. */
  const watch = (nc: NatsConnection) => {
    void (async () => {
      for await (const status of nc.status()) {
        const server = withoutCredentials(String(status.data));
        if (status.type === Events.Disconnect) log.warn({ gateway: 'nats-core', server }, 'core NATS disconnected; reconnecting');
        if (status.type === Events.Reconnect) {
          log.info({ gateway: 'nats-core', server }, 'core NATS reconnected');
          for (const listener of reconnectListeners) listener();
        }
      }
    })();
    void nc.closed().then((error) => {
      if (closing) return;
      // Reconnecting forever, the connection closes on its own only for good (e.g. refused credentials).
      log.error({ gateway: 'nats-core', err: error }, 'core NATS connection closed for good');
      for (const end of [...consumerEnds]) end(new NatsCoreConnectionLostError({ cause: error }));
    });
  };

  const connection = () => {
    if (closing) return Promise.reject(new NatsCoreClosedError());
    return (connecting ??= connect({
      servers: config.servers,
      name: config.name,
      timeout: config.connectTimeoutMs,
      waitOnFirstConnect: false, // the first attempt fails fast and clearly
      maxReconnectAttempts: -1, // afterwards: forever
      reconnectTimeWait: config.reconnectWaitMs,
    }).then(
      (nc) => {
        watch(nc);
        return nc;
      },
      (error: unknown) => {
        connecting = undefined; // the next call tries again
        throw new NatsCoreUnreachableError(config.servers, { cause: error });
      },
    ));
  };

  /** A PING/PONG round trip: once it resolves the server has processed everything sent before it. */
  const flush = async () => {
    const nc = await connection();
    let timer: unknown;
    try {
      await Promise.race([
        nc.flush(),
        new Promise<never>((_, reject) => (timer = clock.setTimeout(() => reject(new NatsCoreFlushTimeoutError(config.flushTimeoutMs)), config.flushTimeoutMs))),
      ]);
    } finally {
      clock.clearTimeout(timer);
    }
  };

  const publish = async (channel: string, message: OutboundMessage) => {
    const nc = await connection();
    nc.publish(channel, message.body, { headers: toNatsHeaders(message) });
    // Resolves once the server has the message. Still at-most-once: with no subscriber on the
    // subject (or one that drops it) the server forgets it, and does not say so. A disconnect
    // before the PONG rejects the flush, so an unconfirmed message is never reported as sent.
    await flush();
  };

  const close = () =>
    (closing ??= (async () => {
      for (const end of [...consumerEnds]) end();
      const nc = await connecting?.catch(() => undefined);
      if (!nc || nc.isClosed()) return;
      // Drain sends what the client still buffers; bounded, because with no server it would wait forever.
      let timer: unknown;
      await Promise.race([nc.drain().catch(() => undefined), new Promise<void>((resolve) => (timer = clock.setTimeout(() => resolve(), config.closeTimeoutMs)))]);
      clock.clearTimeout(timer);
      await nc.close();
    })());

  return {
    consume: (consumeOptions) =>
      consumeCoreSubjects(
        {
          connection,
          flush,
          publish,
          members,
          onReconnect: (listener) => {
            reconnectListeners.add(listener);
            return () => reconnectListeners.delete(listener);
          },
          onGatewayEnd: (end) => {
            if (closing) {
              end();
              return () => undefined;
            }
            consumerEnds.add(end);
            return () => consumerEnds.delete(end);
          },
          nextSequence: () => ++sequence,
          countDrop: (count) => (dropped += count),
          maxBuffered: config.maxBuffered,
          dropLogIntervalMs: config.dropLogIntervalMs,
          clock,
          log,
        },
        consumeOptions,
      ),
    publish,
    deadLetterChannel: (channel) => `${channel}.dlq`,
    // Core NATS has nothing to create: subjects exist when used. Connecting here makes an
    // unreachable server fail the start, with the servers named.
    prepare: async () => {
      await connection();
    },
    close,
    [Symbol.asyncDispose]: close,
    dropped: () => dropped,
  };
}
