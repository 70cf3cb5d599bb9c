import { parseArgs } from 'node:util';
import { EVENT_TYPES } from '../../domain/orderEvents.js';
import { CliUsageError, type CliIo } from './cliIo.js';
import { cliConfig, messageOf, publishBroker, PUBLISH_BROKERS, withBroker } from './openBroker.js';
import { createProgressMeter } from './progressMeter.js';
import { simulateOrders, type SimulatedMessage } from './simulateOrders.js';

export const SIMULATE_HELP = `Usage: orderly simulate --to <broker> [--orders <n>] [--rate <events/s>] [--seed <s>]

Publish a realistic stream of order events to a broker, on the channel Orderly's HTTP API
publishes to: orders are created, paid (some payments fail and are retried, some orders give
up), shipped or cancelled; some events are published twice (same event id) and a few invalid
messages are slipped in, for the dead-letter queue. The events of one order go out in order.
Progress goes to stderr; a summary to stdout at the end. Ctrl-C stops early (exit 130).

Options:
  --to <broker>        ${PUBLISH_BROKERS.join(', ')}
  --orders <n>         orders to simulate (default 100)
  --rate <n>           events per second (default 50)
  --seed <s>           seed of the random choices, 0 to 4294967295 (default: random, printed);
                       the same seed gives the same story (ids differ per run)
  --json               print the summary as JSON
  -h, --help           this help
`;

const options = {
  to: { type: 'string' },
  orders: { type: 'string' },
  rate: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Publishes waiting for the broker at once; one order's publishes still go one after another. */
const MAX_IN_FLIGHT = 64;

/** What a run did, as `--json` prints it. */
export interface SimulationSummary {
  readonly broker: string;
  readonly channel: string;
  readonly runId: string;
  readonly seed: number;
  readonly orders: number;
  /** First publishes of valid events, by type. */
  readonly published: Record<string, number>;
  /** Valid events published again with the same id. */
  readonly duplicates: number;
  /** Invalid messages, by the failure code Orderly will dead-letter them with. */
  readonly invalid: Record<string, number>;
  readonly total: number;
  readonly elapsedMs: number;
  /** Messages per second achieved. */
  readonly rate: number;
  readonly askedRate: number;
  readonly interrupted: boolean;
}

/** `orderly simulate …`; resolves with the exit code (0 done, 1 the broker failed, 2 usage, 130 Ctrl-C). */
export async function simulateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  if (values.help) {
    io.stdout(SIMULATE_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new CliUsageError(`simulate: unexpected ${JSON.stringify(positionals[0])}`);
  const orders = numberOption('--orders', values.orders ?? '100', 1, 10_000_000, true);
  const askedRate = numberOption('--rate', values.rate ?? '50', 0.001, 1_000_000, false);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : numberOption('--seed', values.seed, 0, 2 ** 32 - 1, true);
  const broker = publishBroker(values.to);
  const config = cliConfig(io);
  const runId = `sim-${crypto.randomUUID().slice(0, 8)}`;

  return withBroker(broker, config, io, async ({ gateway, channel }) => {
    const stop = new AbortController();
    const offInterrupt = io.onInterrupt?.(() => stop.abort()) ?? (() => undefined);
    const published: Record<string, number> = Object.fromEntries(EVENT_TYPES.map((type) => [type, 0]));
    const invalid: Record<string, number> = {};
    let duplicates = 0;
    let total = 0;
    let done = 0;
    let failure: unknown;
    const progress = createProgressMeter(io, orders, 'orders');
    const started = performance.now();
    const inFlight = new Set<Promise<void>>();
    const lastOfOrder = new Map<string, Promise<void>>();
    const tally = (m: SimulatedMessage) => {
      total++;
      done = Math.max(done, m.ordersDone);
      if (m.kind === 'invalid') invalid[m.expected] = (invalid[m.expected] ?? 0) + 1;
      else if (m.kind === 'duplicate') duplicates++;
      else published[m.type] = (published[m.type] ?? 0) + 1;
      progress.update(done, total);
    };
    try {
      let index = 0;
      for (const m of simulateOrders({ orders, seed, runId, startMs: Date.now() })) {
        // Paced against the start, not the previous message: a slow publish is caught up on.
        const wait = started + (index++ * 1000) / askedRate - performance.now();
        if (wait >= 1) await sleep(wait, stop.signal);
        while (inFlight.size >= MAX_IN_FLIGHT && failure === undefined) await Promise.race(inFlight);
        if (stop.signal.aborted || failure !== undefined) break;
        // After the order's previous message: the broker gets one order's messages in story order.
        const sent = (lastOfOrder.get(m.orderId) ?? Promise.resolve()).then(async () => {
          if (failure !== undefined) return;
          try {
            await gateway.publish(channel, m.message);
            tally(m);
          } catch (error) {
            failure ??= error;
          }
        });
        inFlight.add(sent);
        lastOfOrder.set(m.orderId, sent);
        void sent.then(() => {
          inFlight.delete(sent);
          if (lastOfOrder.get(m.orderId) === sent) lastOfOrder.delete(m.orderId);
        });
      }
      await Promise.all(inFlight);
    } finally {
      offInterrupt();
    }
    progress.finish(done, total);
    const elapsedMs = performance.now() - started;
    const summary: SimulationSummary = {
      broker, channel, runId, seed, orders, published, duplicates, invalid, total,
      elapsedMs: Math.round(elapsedMs), rate: Math.round((total / Math.max(elapsedMs, 1)) * 1000), askedRate, interrupted: stop.signal.aborted,
    };
    io.stdout(values.json ? `${JSON.stringify(summary, null, 2)}\n` : summaryText(summary));
    if (failure !== undefined) {
      io.stderr(`orderly: ${broker}: publishing failed, stopped after ${total}: ${messageOf(failure)}\n`);
      return 1;
    }
    return stop.signal.aborted ? 130 : 0;
  });
}

function summaryText(s: SimulationSummary): string {
  const row = (name: string, count: number, note = '') => `  ${name.padEnd(20)}${String(count).padStart(8)}${note === '' ? '' : `  ${note}`}\n`;
  const invalidCount = Object.values(s.invalid).reduce((a, b) => a + b, 0);
  return [
    `simulated ${s.orders} orders to ${s.broker} ${s.channel} (seed ${s.seed}, run ${s.runId})${s.interrupted ? ', interrupted' : ''}\n`,
    ...Object.entries(s.published).map(([type, count]) => row(type, count)),
    row('duplicates', s.duplicates, 'published again with the same event id'),
    row('invalid', invalidCount, Object.entries(s.invalid).map(([code, n]) => `${code} ${n}`).join(', ')),
    row('total', s.total, `in ${(s.elapsedMs / 1000).toFixed(2)} s: ${s.rate} events/s (asked ${s.askedRate}/s)`),
  ].join('');
}

function numberOption(name: string, text: string, min: number, max: number, whole: boolean): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (whole && !Number.isInteger(value)) || value < min || value > max) {
    throw new CliUsageError(`${name} ${JSON.stringify(text)}: must be a ${whole ? 'whole ' : ''}number from ${min} to ${max}`);
  }
  return value;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
