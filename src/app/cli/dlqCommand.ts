import { parseArgs } from 'node:util';
import { callApi, type ApiTarget } from './apiClient.js';
import { CliUsageError, type CliIo } from './cliIo.js';

export const DLQ_HELP = `Usage: orderly dlq <command> [options]

Browse and operate Orderly's dead letters over its HTTP API (admin token).

Commands:
  list                 List dead letters, newest first
  show <id>            Print one dead letter in full (original message, order context)
  replay <id>...       Publish the original messages again (same event ids) and drop the entries
  replay --filter...   Replay every entry matching --reason/--type/--order, or --all
  purge <id>...        Delete entries from the index (the broker's DLQ copy stays)
  purge --filter...    Delete every entry matching --reason/--type/--order, or --all

Filters (list, replay, purge):
  --reason <code>      decode, unknown-type, unknown-version, validation, forbidden-transition, orphan, max-attempts
  --type <type>        event type, e.g. payment.completed
  --order <id>         order id (the ordering key)
  --limit <n>          entries per page (1-1000, default 100)
  --all                replay/purge: everything (required when no filter is given)

Options:
  --url <url>          Orderly's base URL (env ORDERLY_URL, default http://127.0.0.1:3000)
  --token <jwt>        admin bearer token (env ORDERLY_TOKEN)
  --json               print JSON instead of text
  -h, --help           this help
`;

interface Entry {
  readonly id: string;
  readonly reason: string;
  readonly message: string;
  readonly attempts: number;
  readonly lastFailedAt: string;
  readonly eventType?: string;
  readonly orderKey?: string;
}

const options = {
  reason: { type: 'string' },
  type: { type: 'string' },
  order: { type: 'string' },
  limit: { type: 'string' },
  all: { type: 'boolean' },
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Most pages a purge by filter goes through in one run: bounded, even if entries keep arriving. */
const MAX_PURGE_PAGES = 100;

/** `orderly dlq …`; resolves with the exit code (0 done, 1 the API refused or failed, 2 usage). */
export async function dlqCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  const [command, ...ids] = positionals;
  if (values.help || command === undefined || command === 'help') {
    io.stdout(DLQ_HELP);
    return values.help || command === 'help' ? 0 : 2;
  }
  const target: ApiTarget = {
    url: values.url ?? io.env.ORDERLY_URL ?? 'http://127.0.0.1:3000',
    token: values.token ?? io.env.ORDERLY_TOKEN ?? '',
    ...(io.fetch ? { fetch: io.fetch } : {}),
  };
  if (target.token === '') throw new CliUsageError('an admin token is needed: --token <jwt> or ORDERLY_TOKEN');
  const filter = {
    ...(values.reason === undefined ? {} : { reason: values.reason }),
    ...(values.type === undefined ? {} : { type: values.type }),
    ...(values.order === undefined ? {} : { order: values.order }),
    ...(values.limit === undefined ? {} : { limit: values.limit }),
  };
  const query = new URLSearchParams(filter).toString();
  const print = (value: unknown, text: string) => io.stdout(values.json ? `${JSON.stringify(value, null, 2)}\n` : text);
  const byFilter = () => {
    if (ids.length > 0) throw new CliUsageError(`${command}: give ids or a filter, not both`);
    if (values.reason === undefined && values.type === undefined && values.order === undefined && !values.all) {
      throw new CliUsageError(`${command}: give ids, a filter (--reason, --type, --order) or --all`);
    }
  };

  switch (command) {
    case 'list': {
      const { entries } = await callApi<{ entries: Entry[] }>(target, 'GET', `dlq${query ? `?${query}` : ''}`);
      print(entries, entries.length === 0 ? 'no dead letters\n' : entries.map(line).join(''));
      return 0;
    }
    case 'show': {
      if (ids.length !== 1) throw new CliUsageError('show: give exactly one id');
      const entry = await callApi<unknown>(target, 'GET', `dlq/${encodeURIComponent(ids[0]!)}`);
      io.stdout(`${JSON.stringify(entry, null, 2)}\n`);
      return 0;
    }
    case 'replay': {
      if (ids.length > 0) {
        const replayed = [];
        for (const id of ids) replayed.push((await callApi<{ replayed: { id: string; channel: string } }>(target, 'POST', `dlq/${encodeURIComponent(id)}/replay`, {})).replayed);
        print(replayed, replayed.map((r) => `replayed ${r.id} to ${r.channel}\n`).join(''));
        return 0;
      }
      byFilter();
      const result = await callApi<{ replayed: { id: string; channel: string }[]; failed: { id: string; error: string }[] }>(target, 'POST', 'dlq/replay', {
        ...filter,
        ...(values.limit === undefined ? {} : { limit: Number(values.limit) }),
        ...(values.all ? { all: true } : {}),
      });
      print(result, `${result.replayed.map((r) => `replayed ${r.id} to ${r.channel}\n`).join('')}${result.failed.map((f) => `failed ${f.id}: ${f.error}\n`).join('')}replayed ${result.replayed.length}, failed ${result.failed.length}\n`);
      return result.failed.length === 0 ? 0 : 1;
    }
    case 'purge': {
      let targets = ids;
      const deleted: string[] = [];
      if (ids.length === 0) {
        byFilter();
        for (let page = 0; page < MAX_PURGE_PAGES; page++) {
          const { entries } = await callApi<{ entries: Entry[] }>(target, 'GET', `dlq${query ? `?${query}` : ''}`);
          if (entries.length === 0) break;
          for (const entry of entries) if ((await callApi<{ deleted: boolean }>(target, 'DELETE', `dlq/${encodeURIComponent(entry.id)}`)).deleted) deleted.push(entry.id);
        }
        targets = [];
      }
      for (const id of targets) if ((await callApi<{ deleted: boolean }>(target, 'DELETE', `dlq/${encodeURIComponent(id)}`)).deleted) deleted.push(id);
      print({ deleted }, `purged ${deleted.length}\n`);
      return 0;
    }
    default:
      throw new CliUsageError(`unknown command ${JSON.stringify(command)}; try: orderly dlq --help`);
  }
}

/** One entry as a line: id, reason, type, order, attempts, when, message. */
function line(entry: Entry): string {
  return `${[entry.id, entry.reason, entry.eventType ?? '-', entry.orderKey ?? '-', `${entry.attempts}x`, entry.lastFailedAt, entry.message].join('  ')}\n`;
}
