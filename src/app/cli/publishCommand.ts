import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decodeEnvelope } from '../../domain/decodeEnvelope.js';
import { buildEnvelope, encodeStructured, InvalidEventError, type BuildEnvelopeInput } from '../../domain/encodeEnvelope.js';
import { EVENT_TYPES, isEventType, type EventType } from '../../domain/orderEvents.js';
import type { OutboundMessage } from '../../streams/source.js';
import type { Config } from '../config.js';
import { CliFailure, CliUsageError, type CliIo } from './cliIo.js';
import { cliConfig, messageOf, publishBroker, PUBLISH_BROKERS, withBroker } from './openBroker.js';

export const PUBLISH_HELP = `Usage: orderly publish <type> --to <broker> [--data <json>] [--order <id>]
       orderly publish --to <broker> --file <events.ndjson>

Publish order events as CloudEvents to a broker, on the channel Orderly's HTTP API publishes
to (ORDERLY_CHANNEL_PREFIX + ORDERLY_PUBLISH_CHANNEL), validated as Orderly will decode them.
The broker is configured by the same environment as Orderly (REDIS_URL, AMQP_URL, NATS_URL,
KAFKA_BROKERS, ORDERLY_NATS_STREAM, ...).

Types: ${EVENT_TYPES.join(', ')}

Options:
  --to <broker>        ${PUBLISH_BROKERS.join(', ')}
  --data <json>        the event's data; fields left out are taken from a sample event
  --order <id>         the order id (default: the data's orderId, else a new one)
  --file <path>        NDJSON, one event a line: a full CloudEvent (published as written),
                       or {"type": ..., "data": ..., "id"?: ...}; nothing is published
                       unless every line is valid
  --json               print JSON instead of text
  -h, --help           this help
`;

const options = {
  to: { type: 'string' },
  data: { type: 'string' },
  order: { type: 'string' },
  file: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface Prepared {
  readonly id: string;
  readonly type: string;
  readonly message: OutboundMessage;
}

const CLOUDEVENTS = 'application/cloudevents+json; charset=utf-8';

/** `orderly publish …`; resolves with the exit code (0 all published, 1 the broker failed, 2 usage). */
export async function publishCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  if (values.help) {
    io.stdout(PUBLISH_HELP);
    return 0;
  }
  const broker = publishBroker(values.to);
  const config = cliConfig(io);
  let events: Prepared[];
  if (values.file !== undefined) {
    if (positionals.length > 0 || values.data !== undefined || values.order !== undefined) {
      throw new CliUsageError('publish: give a type (with --data, --order) or --file, not both');
    }
    events = await fromFile(values.file, config);
  } else {
    if (positionals.length !== 1) throw new CliUsageError(`publish: give one event type (${EVENT_TYPES.join(', ')}) or --file`);
    events = [single(positionals[0]!, values.data, values.order, config)];
  }

  return withBroker(broker, config, io, async ({ gateway, channel }) => {
    const published: { id: string; type: string; orderId: string }[] = [];
    for (const event of events) {
      try {
        await gateway.publish(channel, event.message);
      } catch (cause) {
        throw new CliFailure(`${broker}: publishing ${event.id} failed after ${published.length} published: ${messageOf(cause)}`, { cause });
      }
      published.push({ id: event.id, type: event.type, orderId: event.message.key });
      if (!values.json) io.stdout(`published ${event.id}  ${event.type}  order ${event.message.key}  to ${broker} ${channel}\n`);
    }
    if (values.json) io.stdout(`${JSON.stringify({ broker, channel, published }, null, 2)}\n`);
    return 0;
  });
}

/** One event from the command line: a sample of `type`, overridden by `--data`, for `--order`. */
function single(type: string, dataJson: string | undefined, order: string | undefined, config: Config): Prepared {
  if (!isEventType(type)) throw new CliUsageError(`publish: ${JSON.stringify(type)} is not an event type (${EVENT_TYPES.join(', ')})`);
  let given: Record<string, unknown> = {};
  if (dataJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(dataJson);
    } catch (error) {
      throw new CliUsageError(`--data is not JSON: ${messageOf(error)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliUsageError('--data must be a JSON object');
    given = parsed as Record<string, unknown>;
  }
  const orderId = order ?? (typeof given.orderId === 'string' ? given.orderId : `o-${crypto.randomUUID().slice(0, 8)}`);
  const now = new Date().toISOString();
  const data: Record<string, unknown> = { ...sample(type, orderId, now, config.ORDERLY_DEFAULT_CURRENCY), ...given, orderId };
  // Lines given without a total: the sum of the lines, so that a custom basket need not be added up by hand.
  if (type === 'order.created' && given.items !== undefined && given.totalCents === undefined) data.totalCents = totalOf(given.items);
  return build(type, data, crypto.randomUUID(), now, '--data');
}

function build(type: EventType, data: unknown, id: string, occurredAt: string, where: string): Prepared {
  try {
    const envelope = buildEnvelope({ type, data, id, correlationId: id, source: '/orderly/cli', occurredAt } as BuildEnvelopeInput<EventType>);
    return { id, type, message: encodeStructured(envelope) };
  } catch (error) {
    if (error instanceof InvalidEventError) throw new CliUsageError(`${where}: ${error.message}`);
    throw error;
  }
}

/** Every line of an NDJSON file, validated; the first bad line is a usage error naming it. */
async function fromFile(path: string, config: Config): Promise<Prepared[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliUsageError(`--file: ${messageOf(error)}`);
  }
  const events: Prepared[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const where = `${path}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new CliUsageError(`${where}: not JSON: ${messageOf(error)}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliUsageError(`${where}: must be a JSON object`);
    const record = value as Record<string, unknown>;
    if ('specversion' in record) {
      const body = new TextEncoder().encode(line.trim());
      const decoded = decodeEnvelope(
        { body, headers: { 'content-type': CLOUDEVENTS } },
        { channel: '', coordinates: {}, gateway: 'cli', defaultCurrency: config.ORDERLY_DEFAULT_CURRENCY, maxBodyBytes: config.ORDERLY_MAX_BODY_BYTES, now: Date.now, newId: () => crypto.randomUUID() },
      );
      if (!decoded.ok) throw new CliUsageError(`${where}: ${decoded.code}: ${decoded.message}`);
      const { envelope } = decoded;
      events.push({ id: envelope.id, type: envelope.type, message: { body, headers: { 'content-type': CLOUDEVENTS, correlation_id: envelope.correlationId, 'message-id': envelope.id }, key: envelope.key } });
      continue;
    }
    const { type, data, id } = record;
    if (!isEventType(type)) throw new CliUsageError(`${where}: "type" must be one of ${EVENT_TYPES.join(', ')} (or give a full CloudEvent with "specversion")`);
    if (id !== undefined && (typeof id !== 'string' || id.trim() === '')) throw new CliUsageError(`${where}: "id" must be a non-empty string`);
    events.push(build(type, data, id ?? crypto.randomUUID(), new Date().toISOString(), where));
  }
  if (events.length === 0) throw new CliUsageError(`--file ${path}: no events in it`);
  return events;
}

function totalOf(items: unknown): unknown {
  if (!Array.isArray(items)) return undefined;
  return items.reduce<number>((sum, item: { quantity?: unknown; priceCents?: unknown }) => sum + Number(item?.quantity) * Number(item?.priceCents), 0);
}

/** A valid event of `type` for `orderId`, for the fields `--data` leaves out. */
function sample(type: EventType, orderId: string, now: string, currency: string): Record<string, unknown> {
  const paymentId = `pay-${crypto.randomUUID().slice(0, 8)}`;
  switch (type) {
    case 'order.created':
      return { orderId, userId: 'u1', items: [{ productId: 'sku-mug', quantity: 1, priceCents: 1200 }], totalCents: 1200, currency, timestamp: now };
    case 'payment.completed':
      return { orderId, paymentId, amountCents: 1200 };
    case 'payment.failed':
      return { orderId, paymentId, reason: 'card declined' };
    case 'order.cancelled':
      return { orderId, reason: 'customer changed their mind' };
    case 'order.shipped':
      return { orderId, carrier: 'DHL', trackingNumber: `TRK${Date.now()}` };
  }
}
