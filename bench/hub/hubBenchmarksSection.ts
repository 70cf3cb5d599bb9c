import { readFile, writeFile } from 'node:fs/promises';
import { machineLine } from '../brokers/benchmarksSection.js';
import { FAN_OUT_GOALS, fanOutTables, type SizeResults } from './fanOutReport.js';
import { pacedIntervalMs, type HubBenchSettings } from './hubBenchSettings.js';

const BEGIN = '<!-- hub fan-out benchmark: begin (written by `npm run bench:hub -- --write`; edits between these markers are replaced) -->';
const END = '<!-- hub fan-out benchmark: end -->';

/** The whole "Hub fan-out" section, markers included. */
/** What the run found out about the machine it ran on. */
export interface RunConditions {
  /** `ulimit -Hn`: the descriptor limit the task processes ran under. */
  readonly descriptorLimit: string;
  /** One-minute load average when the run began and ended: the machine's cores are shared. */
  readonly loadBefore: number;
  readonly loadAfter: number;
}

export function hubFanOutSection(sizes: readonly SizeResults[], settings: HubBenchSettings, conditions: RunConditions): string {
  const { descriptorLimit } = conditions;
  const intervals = settings.clients.map((n) => `${pacedIntervalMs(settings, n).toFixed(0)} ms at ${n.toLocaleString('en')} clients`).join(', ');
  return [
    BEGIN,
    '## Hub fan-out: Orderly\'s hub against a bare `ws` broadcast (issue 4)',
    '',
    '    npm run bench:hub                                          # 1k and 10k clients, 3 rounds',
    '    BENCH_CLIENTS=200 BENCH_ROUNDS=1 npm run bench:hub         # a quick smoke run',
    '    npm run bench:hub -- --write                               # and replace this section',
    '',
    `Measured on ${machineLine()}; one-minute load average ${conditions.loadBefore.toFixed(1)} at the start and ${conditions.loadAfter.toFixed(1)} at the end (other work shares the cores, so rounds vary).`,
    `${settings.rounds} round${settings.rounds === 1 ? '' : 's'} per size, alternating bare and hub; each cell gives the median, with the lowest and highest in brackets.`,
    `Goals: the hub delivers at least ${FAN_OUT_GOALS.rateOfBare}× the bare broadcast's rate, with at most ${FAN_OUT_GOALS.memoryOfBare}× its memory per connection.`,
    '',
    '- Every measurement starts two fresh processes on the same machine: the server, and one process holding all the client connections, so that the clients\' CPU is not the server\'s.',
    `  - Both run under \`ulimit -n\` raised to the hard limit (${descriptorLimit} here): 10k connections need 10k descriptors in each process.`,
    '- **bare `ws` broadcast**: a plain `ws` server on `node:http`. Each message is serialised and encoded once, and the same bytes are sent to every open client, as the `ws` README broadcasts.',
    '- **Orderly hub**: fastify with the WebSocket gateway and the hub actor on the in-process cluster bus, as src/app wires them.',
    '  - Auth is a stub that takes the user from the query string. The real JWT check runs once per upgrade, and connecting is not timed.',
    '  - Every client is a session of the same user, subscribed to that user\'s `user:` topic. So every delivery passes the hub\'s ownership check, the session\'s bounded send queue and the gateway\'s transport.',
    '- The messages are order changes as `orderChangeMessage` builds them (the order\'s view plus the CloudEvent; a frame of about 740 bytes), published on the bus. Each one goes to every client.',
    '  - The bare server sends the hub\'s own frame for the same message, byte for byte.',
    '  - Each frame carries its send time (the system\'s monotonic clock, the same in both processes). A client subtracts it from its receive time.',
    `- **deliveries/s**: ${settings.messages} messages, published one per turn of the server's event loop, after a warm-up of ${settings.warmup}.`,
    '  - The window runs from the first send stamp to the last frame received by any client.',
    '  - Every client must get every message exactly once, and no client may be cut off.',
    '  - **burst latency** is the same phase\'s send-to-receive time: mostly time spent queued behind the burst.',
    `- **latency at ${settings.pacedRate.toLocaleString('en')} deliveries/s**: ${settings.pacedMessages} more messages at a fixed pace, the same for both servers (one message every ${intervals}).`,
    '- **server CPU-s per 1k deliveries**: the server process\'s user + system CPU from the first publish until the clients have everything.',
    '  - **client process CPU**: cores the client process used over the burst. Near 1.0 means the single client process, not the server, set the pace; the rates are then a floor for both servers.',
    '- **per connection**: how much the server process grew, after full GCs, from a tenth of the clients connected (and subscribed) to all of them, divided by the connections added.',
    '  - Starting at a tenth leaves out what the first connections cost once: code run for the first time, buffer pools, the hub\'s own structures.',
    '  - RSS is resident memory. Heap is V8\'s used heap plus `external` (Buffers). Kernel socket buffers are not in either.',
    '',
    fanOutTables(sizes, settings.pacedRate),
    END,
  ].join('\n');
}

/** Writes `section` into the Markdown file at `path`, replacing the previous one (found by its markers) or appending it. */
export async function writeHubSection(path: string, section: string): Promise<void> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if ((begin < 0) !== (end < 0) || end < begin) throw new Error(`${path}: the hub fan-out benchmark markers are incomplete; fix them by hand`);
  const next = begin < 0 ? `${text.trimEnd()}\n\n${section}\n` : text.slice(0, begin) + section + text.slice(end + END.length);
  await writeFile(path, next);
}
