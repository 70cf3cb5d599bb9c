import { pino } from 'pino';
import type { OrderChange } from '../../src/actors/decideOrder.js';
import type { OrderRecord } from '../../src/actors/orderRecord.js';
import type { OrderStore } from '../../src/actors/orderStore.js';
import { loadConfig } from '../../src/app/config.js';
import { startPipeline, type Pipeline } from '../../src/app/startPipeline.js';
import type { Envelope } from '../../src/domain/envelope.js';
import { encodeStructured } from '../../src/domain/encodeEnvelope.js';
import { createMemoryBroker, createMemoryOrderStore, type MemoryBroker, type MemoryOrderStore, type MemoryOrderStoreOptions } from '../../src/gateways/memory/index.js';

export const silent = pino({ level: 'silent' });

/** Settings for property runs: tiny retry delays, many attempts, so injected faults heal. */
export const testConfig = (overrides: Record<string, string> = {}) =>
  loadConfig({
    LOG_LEVEL: 'silent',
    ORDERLY_CREDIT: '16',
    ORDERLY_RETRY_BASE_MS: '1',
    ORDERLY_RETRY_MAX_MS: '2',
    ORDERLY_MAX_ATTEMPTS: '60',
    ...overrides,
  });

export interface Harness {
  readonly broker: MemoryBroker;
  readonly store: MemoryOrderStore;
  pipeline: Pipeline;
  readonly changes: OrderChange[];
  publish(envelopes: readonly Envelope[]): Promise<void>;
  /** Resolves once every channel is empty (nothing waiting, in flight or awaiting retry); bounded. */
  idle(): Promise<void>;
  /** Crash: drop the running pipeline with whatever it holds unsettled, start a fresh one on the same broker and store. */
  restart(): Promise<void>;
  /** Every order's record. */
  records(orderIds: Iterable<string>): Promise<Map<string, OrderRecord | undefined>>;
  deadLetters(): number;
  stop(): Promise<void>;
}

export async function harness(
  options: { wrapStore?: (store: OrderStore) => OrderStore; config?: Record<string, string>; store?: MemoryOrderStoreOptions } = {},
): Promise<Harness> {
  const config = testConfig(options.config);
  const broker = createMemoryBroker();
  const store = createMemoryOrderStore(options.store);
  const visibleStore = options.wrapStore ? options.wrapStore(store) : store;
  const changes: OrderChange[] = [];
  const start = async () => {
    const pipeline = await startPipeline(config, { logger: silent, gateways: { memory: broker }, store: visibleStore });
    pipeline.changes$.subscribe((change) => changes.push(change));
    return pipeline;
  };
  const h: Harness = {
    broker,
    store,
    pipeline: await start(),
    changes,
    /** To the keyed `orders` channel, where the source keeps each order's events in publish order. */
    async publish(envelopes) {
      for (const envelope of envelopes) await broker.publish('orders', encodeStructured(envelope));
    },
    async idle() {
      const group = config.ORDERLY_CONSUMER_GROUP;
      for (let i = 0; i < 5000; i++) {
        if (config.ORDERLY_CHANNELS.every((channel) => broker.depth(channel, group) === 0)) return;
        await new Promise((r) => setTimeout(r, 1));
      }
      throw new Error('pipeline did not become idle within 5 s');
    },
    async restart() {
      h.pipeline.abandon();
      h.pipeline = await start();
    },
    async records(orderIds) {
      const result = new Map<string, OrderRecord | undefined>();
      for (const id of orderIds) result.set(id, await store.load(id));
      return result;
    },
    deadLetters() {
      return config.ORDERLY_CHANNELS.reduce((n, channel) => n + broker.depth(`${channel}.dlq`, '__never_subscribed__'), 0);
    },
    async stop() {
      await h.pipeline.stop(1000);
      await broker.close();
    },
  };
  return h;
}
