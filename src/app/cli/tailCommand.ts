import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { callApi, type ApiTarget } from './apiClient.js';
import { CliFailure, CliUsageError, type CliIo } from './cliIo.js';

export const TAIL_HELP = `Usage: orderly tail --topic <topic> [--topic <topic>...] [--count <n>] [options]

Follow Orderly's real-time feed over its WebSocket (/ws) and print one line per message
until Ctrl-C: seq, topic, event type, order, status after it, event id. It trades the bearer
token for a single-use ticket (POST /realtime/ticket) first, as a browser does.

Topics: order:<id>, user:<id>, tasks:<id>, admin:all (admins); a user token may follow its
own user topic and its own orders.

Options:
  --topic <topic>      what to follow; repeat for several
  --count <n>          exit after n messages
  --url <url>          Orderly's base URL (env ORDERLY_URL, default http://127.0.0.1:3000)
  --token <jwt>        bearer token (env ORDERLY_TOKEN)
  --json               print each server frame as it came, one JSON a line
  -h, --help           this help
`;

const options = {
  topic: { type: 'string', multiple: true },
  count: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Longest wait for the upgrade to be answered. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Longest wait for the server to answer our close before the socket is cut. */
const CLOSE_GRACE_MS = 2_000;

interface Frame {
  readonly type?: string;
  readonly topic?: string;
  readonly seq?: number;
  readonly code?: string;
  readonly message?: string;
  readonly snapshot?: { readonly orderId?: string; readonly status?: string };
  readonly event?: { readonly snapshot?: { readonly orderId?: string; readonly status?: string }; readonly cloudEvent?: { readonly id?: string; readonly type?: string } };
}

/** `orderly tail …`; resolves with the exit code (0 Ctrl-C or --count reached, 1 refused or dropped, 2 usage). */
export async function tailCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  if (values.help) {
    io.stdout(TAIL_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new CliUsageError(`tail: unexpected ${JSON.stringify(positionals[0])}; topics go after --topic`);
  const topics = values.topic ?? [];
  if (topics.length === 0) throw new CliUsageError('tail: give at least one --topic, e.g. --topic order:o-1');
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(Number.isInteger(count) && count >= 1) && count !== Infinity) throw new CliUsageError(`--count ${JSON.stringify(values.count)}: must be a whole number of at least 1`);
  const target: ApiTarget = {
    url: values.url ?? io.env.ORDERLY_URL ?? 'http://127.0.0.1:3000',
    token: values.token ?? io.env.ORDERLY_TOKEN ?? '',
    ...(io.fetch ? { fetch: io.fetch } : {}),
  };
  if (target.token === '') throw new CliUsageError('a bearer token is needed: --token <jwt> or ORDERLY_TOKEN');

  const { ticket } = await callApi<{ ticket: string }>(target, 'POST', 'realtime/ticket');
  const wsUrl = new URL('ws', target.url.endsWith('/') ? target.url : `${target.url}/`);
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  wsUrl.searchParams.set('ticket', ticket);
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });

  return new Promise<number>((resolve, reject) => {
    let seen = 0;
    let ending = false;
    let opened = false;
    const offInterrupt = io.onInterrupt?.(() => end(0)) ?? (() => undefined);
    // Settles once, when the socket is closed, whoever closed it.
    let outcome: { code: number } | { error: Error } | undefined;
    let cut: ReturnType<typeof setTimeout> | undefined;
    const end = (code: number, error?: Error) => {
      if (ending) return;
      ending = true;
      outcome = error ? { error } : { code };
      offInterrupt();
      if (ws.readyState === WebSocket.CLOSED) return finish();
      ws.close(1000);
      cut = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
    };
    const finish = () => {
      clearTimeout(cut);
      offInterrupt();
      if (outcome && 'error' in outcome) reject(outcome.error);
      else resolve(outcome?.code ?? 1);
    };

    ws.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      end(1, new CliFailure(`${wsUrl.origin}/ws refused the connection: ${status}`));
      ws.terminate();
    });
    ws.on('error', (error) => end(1, new CliFailure(`${wsUrl.origin}/ws: ${error.message}`, { cause: error })));
    ws.on('open', () => {
      opened = true;
      for (const topic of topics) ws.send(JSON.stringify({ type: 'subscribe', topic }));
    });
    ws.on('close', (code, reason) => {
      if (!ending) {
        const why = `${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`;
        end(1, new CliFailure(opened ? `the connection was closed by Orderly (${why})` : `could not connect (${why})`));
      }
      finish();
    });
    ws.on('message', (data) => {
      if (ending) return;
      const raw = String(data);
      let frame: Frame;
      try {
        frame = JSON.parse(raw) as Frame;
      } catch {
        io.stderr(`orderly: a frame that is not JSON: ${raw.slice(0, 200)}\n`);
        return;
      }
      switch (frame.type) {
        case 'subscribed':
          io.stderr(`subscribed to ${frame.topic} at seq ${frame.seq}\n`);
          return;
        case 'error':
          // A refused subscription ends the run: what was asked for will never come.
          if (frame.topic !== undefined) return end(1, new CliFailure(`${frame.topic}: ${frame.code}: ${frame.message}`));
          io.stderr(`orderly: ${frame.code}: ${frame.message}\n`);
          return;
        case 'event':
        case 'reset':
          io.stdout(values.json ? `${raw}\n` : `${line(frame)}\n`);
          if (++seen >= count) end(0);
          return;
        default:
          return; // pong, or a frame type newer than this CLI
      }
    });
  });
}

/** seq, topic, type, order, status, event id, two spaces apart. */
function line(frame: Frame): string {
  if (frame.type === 'reset') {
    return [frame.seq, frame.topic, 'reset', frame.snapshot?.orderId ?? '-', frame.snapshot?.status ?? '-', '(missed changes summed up)'].join('  ');
  }
  const { snapshot, cloudEvent } = frame.event ?? {};
  return [frame.seq, frame.topic, cloudEvent?.type ?? '-', snapshot?.orderId ?? '-', snapshot?.status ?? '-', cloudEvent?.id ?? '-'].join('  ');
}
