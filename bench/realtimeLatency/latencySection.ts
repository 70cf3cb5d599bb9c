import { readFile, writeFile } from 'node:fs/promises';
import { machineLine } from '../brokers/benchmarksSection.js';
import { ADDED_P50_GOAL_MS, latencyTables, type LatencyResults } from './latencyReport.js';
import type { LatencySettings } from './latencySettings.js';

const BEGIN = '<!-- end-to-end latency benchmark: begin (written by `npm run bench:latency -- --write`; edits between these markers are replaced) -->';
const END = '<!-- end-to-end latency benchmark: end -->';

/** One-minute load average when the run began and ended: the machine's cores are shared. */
export interface LoadAverages {
  readonly before: number;
  readonly after: number;
}

/** The whole "End-to-end latency" section, markers included. */
export function latencySection(results: LatencyResults, settings: LatencySettings, load: LoadAverages): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return [
    BEGIN,
    '## End-to-end latency: broker publish to WebSocket receipt (issue 4)',
    '',
    '    npm run bench:latency                                           # saturation, then 3 rounds at half the slower capacity',
    '    BENCH_ORDERS=500 BENCH_ROUNDS=1 BENCH_SATURATION_ORDERS=2000 BENCH_SATURATION_ROUNDS=1 npm run bench:latency   # a quick smoke run',
    '    npm run bench:latency -- --write                                # and replace this section',
    '',
    `Measured on ${machineLine()}, with Redis on the same machine; one-minute load average ${load.before.toFixed(1)} at the start and ${load.after.toFixed(1)} at the end (other work shares the cores).`,
    `Goal: Orderly adds at most ${ADDED_P50_GOAL_MS} ms to the raw path's median. Each cell gives the median over rounds, with the lowest and highest in brackets.`,
    '',
    '- **Broker: Redis Streams**, the broker the Go original\'s Redis consumer reads and the one Orderly\'s store already uses, so the run needs one shared service. Orderly\'s store is Redis too (`ORDERLY_STORE=redis`), as a deployment runs it.',
    '  - Every measurement uses streams, a consumer group and store keys named after a run id, and deletes them afterwards.',
    '- Every measurement starts three fresh processes: the path\'s server, the receiver and the producer. The receiver and the producer are the same code for both paths.',
    '  - **producer**: ioredis `XADD` of the Go producers\' plain JSON (`data`), one order\'s `order.created` then its `payment.completed`, on a stream per type. The message id (`id`) ends in the moment the XADD was issued.',
    '  - Paced publishing is open-loop: event k is due at start + k ÷ rate, whatever became of the ones before, so a slow path cannot lower the load it is offered. Timers wake about once a millisecond, so events due in the same millisecond leave together.',
    '  - **receiver**: one `ws` connection that reads the stamp out of each frame and subtracts it from its own clock.',
    '- **Orderly**: `createOrderly` as `npm start` runs it: the Redis Streams gateway, the pipeline (decode, upcast, dedup, per-order actors, the order saved together with the applied id before the ack), the hub on the in-process bus, fastify with `/ws`.',
    '  - The receiver holds an admin JWT signed with the run\'s `ORDERLY_JWT_SECRET` and verified by jose at the upgrade. It subscribes to `admin:all`, so it gets one frame per applied change (two per order).',
    Object.keys(settings.orderlyEnv).length === 0
      ? `  - Credit \`ORDERLY_CREDIT=${settings.window}\`; everything else at its default: each transition's status event goes through the outbox to the broker, and each paid order's confirmation email is a job.`
      : `  - Credit \`ORDERLY_CREDIT=${settings.window}\`; ${Object.entries(settings.orderlyEnv).map(([k, v]) => `\`${k}=${v}\``).join(', ')} (\`BENCH_ORDERLY_ENV\`); everything else at its default.`,
    '- **raw**: ioredis reading both streams as one group member (`XREADGROUP COUNT BLOCK`, the same window split between the streams), sending every entry as it comes to a bare `ws` server\'s clients, then `XACK`ing the reply without waiting for the answer.',
    '  - No decoding, no state, no auth: the least any forwarder does.',
    '- **Clock**: `process.hrtime()`, which is `CLOCK_MONOTONIC` on Linux: one clock for every process on the machine, so a stamp taken in the producer can be subtracted in the receiver.',
    '  - `performance.timeOrigin + performance.now()` would not do: each process fixes its `timeOrigin` from the wall clock when it starts, so two processes disagree by however that clock moved in between (NTP slewing and steps included).',
    '- **Capacity**: each path in turn (Orderly first) is sent a burst of ' +
      `${settings.saturationOrders.toLocaleString('en')} orders (${(settings.saturationOrders * 2).toLocaleString('en')} events), as fast as a pipelining producer goes, after a warm-up of ${settings.warmupOrders.toLocaleString('en')} orders, ${plural(settings.saturationRounds, 'round')}.`,
    '  - Capacity is frames received ÷ the time from the first frame to the last. If the producer was not well ahead of the path (see its rate), the figure is a floor.',
    `- **Latency**: both paths are offered ${Math.round(settings.load * 100)}% of the slower path's median capacity, ${plural(settings.rounds, 'round')} alternating Orderly and raw. Each round is a fresh path: a warm-up of ${settings.warmupOrders.toLocaleString('en')} orders at that rate, then ${settings.orders.toLocaleString('en')} orders (${(settings.orders * 2).toLocaleString('en')} events) measured.`,
    '  - Every event must arrive exactly once (counted), no event may be dead-lettered, and the hub may cut nobody off.',
    '  - **producer\'s worst lag**: how late the latest event left against its schedule. A few ms means a timer fired late (the cores are shared); the latency is still measured from when the event really left.',
    '  - **server CPU-s per 1k events**: the server process\'s user + system CPU over the measured phase. **server cores busy** is that times the offered rate: how near one core (Node runs JavaScript on one) the path ran.',
    '  - A path does more work per event when paced than in the burst, where one read brings many entries and one turn of the event loop handles them together; so half the burst capacity can keep a path busier than half the time.',
    '',
    latencyTables(results),
    END,
  ].join('\n');
}

/** Writes `section` into the Markdown file at `path`, replacing the previous one (found by its markers) or appending it. */
export async function writeLatencySection(path: string, section: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if ((begin < 0) !== (end < 0) || end < begin) throw new Error(`${path}: the end-to-end latency benchmark markers are incomplete; fix them by hand`);
  const next = begin < 0 ? `${text.trimEnd()}\n\n${section}\n` : text.slice(0, begin) + section + text.slice(end + END.length);
  await writeFile(path, next);
}
