import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { BenchSettings } from './benchSettings.js';
import { resultTables, type CellResults } from './report.js';

const BEGIN = '<!-- brokers benchmark: begin (written by `npm run bench:brokers -- --write`; edits between these markers are replaced) -->';
const END = '<!-- brokers benchmark: end -->';

/** The machine and the code measured, in one line. */
export function machineLine(): string {
  const cpu = cpus();
  let commit = 'unknown commit';
  try {
    commit = `commit ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()}`;
  } catch {
    // not a git checkout: the line says so
  }
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${commit}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The whole "Brokers" section, markers included. */
export function brokersSection(cells: readonly CellResults[], settings: BenchSettings): string {
  const sequentialCapped = cells.some((c) => c.sequentialOrders < c.orders);
  return [
    BEGIN,
    '## Per broker: the raw client, Orderly, and a sequential consumer (issue 3)',
    '',
    '    npm run bench:brokers                                          # 1k and 100k orders, 3 rounds',
    '    BENCH_ORDERS=1000,5000 BENCH_ROUNDS=1 npm run bench:brokers    # a quick smoke run',
    '    npm run bench:brokers -- --write                               # and replace this section',
    '',
    `Measured on ${machineLine()}, with the brokers on the same machine.`,
    `${settings.rounds} round${settings.rounds === 1 ? '' : 's'} per size, credit/window ${settings.credit}.`,
    'Each cell gives the median, with the lowest and highest in brackets.',
    '',
    'Each order has two events in the Go producers\' plain JSON: `order.created` (v1, no currency) and then `payment.completed`, on channels named after the type.',
    'Each measurement runs in a fresh process on fresh channels. It first publishes the events with the broker\'s own client, then drains them with one consumer, and finally deletes the channels, groups and keys.',
    '',
    '- **raw client, no-op**: the broker\'s client, acking as a competent user would.',
    '  - kafkajs: `eachBatch` over all partitions at once, committing each batch\'s offset.',
    '  - amqplib: a prefetch of half the window per queue, each message acked.',
    '  - nats.js: JetStream `consume()` pulling half the window per subject, each message acked with `ack()`.',
    '  - ioredis: `XREADGROUP COUNT` of half the window per stream, then one `XACK` per stream per reply.',
    '- **Orderly**: the whole pipeline (`startPipeline`) with that broker\'s gateway and the Redis order store.',
    '  - It consumes until every order is `paid`.',
    '  - Afterwards every order is read back from the store: it must be paid at version 2, with no event applied twice and none dead-lettered.',
    `- **sequential 1 ms**: the client's plain per-message loop with a handler that awaits \`setTimeout(${settings.handlerMs})\`.`,
    '  - kafkajs: `eachMessage` with its defaults, one partition at a time.',
    '  - amqplib: prefetch 1 per queue.',
    '  - nats.js: a `for await` loop per subject.',
    '  - ioredis: `XREADGROUP COUNT 10`, then handle and `XACK` each entry.',
    '  - The amqplib and nats.js consumers therefore have one message in flight per channel (two in all); kafkajs and ioredis have one.',
    ...(sequentialCapped
      ? [
          `- ¹ The sequential consumer was measured on at most ${(settings.sequentialOrders * 2).toLocaleString('en')} events; its rate is taken as its rate at the full size.`,
          '  - This is an extrapolation: a 1 ms handler, not the backlog, bounds that consumer, so its rate does not depend on how many events wait.',
        ]
      : []),
    '- **msg/s**: messages counted from the first one received to the last one acked.',
    '  - The count stops only once the broker has the acks: a round trip where the ack itself is fire-and-forget.',
    '  - Connecting and joining a group are left out, the same for every consumer.',
    '  - At small sizes a raw client drains everything in a few tens of milliseconds, so its rate there is rough, and flattered: its first batch arrives whole before the clock starts.',
    '- **CPU-s per 1k msgs**: `process.cpuUsage()` (user + system) of the consuming process over the same window.',
    '  - **The brokers\' own CPU is not included.** They share the machine\'s cores with the consumer.',
    '',
    resultTables(cells),
    END,
  ].join('\n');
}

/** Writes `section` into the Markdown file at `path`, replacing the previous one (found by its markers) or appending it. */
export async function writeSection(path: string, section: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if ((begin < 0) !== (end < 0) || end < begin) throw new Error(`${path}: the brokers benchmark markers are incomplete; fix them by hand`);
  const next = begin < 0 ? `${text.trimEnd()}\n\n${section}\n` : text.slice(0, begin) + section + text.slice(end + END.length);
  await writeFile(path, next);
}
