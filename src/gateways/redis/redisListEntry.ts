import type { InboundMessage } from '../../streams/delivery.js';
import type { OutboundMessage } from '../../streams/source.js';

/**
 * How Orderly writes a list entry: the 10 bytes `ORDERLY/1 ` and then one JSON object
 *
 *     ORDERLY/1 {"key":"order-1","headers":{"correlation_id":"c-1"},"body":"{\"id\":…}","attempt":2}
 *
 * - `body`: the body as a string when it is valid UTF-8 (it is JSON almost always), else
 *   `bodyBase64` with its bytes;
 * - `key`, `headers`: the ordering key and headers, both optional (a requeued foreign entry has neither);
 * - `attempt`: the attempt number of the entry's next delivery; absent means 1. Lists count no
 *   redeliveries, so the gateway rewrites the entry with `attempt + 1` whenever it puts one back
 *   (retry, unsubscribe, a dead consumer's entries reclaimed): the count travels with the entry,
 *   needs no side table to bound or expire, and two equal bodies never share a count.
 *
 * The prefix is unambiguous: no JSON text starts with `O`, so an entry a foreign producer
 * `LPUSH`ed (plain JSON, or a structured CloudEvent) is never mistaken for a wrapper, and a
 * foreign JSON consumer reading an Orderly entry fails loudly instead of reading empty fields.
 * Anything that is not a well-formed wrapper is a bare body: delivered as it is, no headers.
 */
const PREFIX = Buffer.from('ORDERLY/1 ', 'latin1');

interface Wrapper {
  key?: string;
  headers?: Record<string, string>;
  body?: string;
  bodyBase64?: string;
  attempt?: number;
}

/** What a list entry says: the message, and which attempt delivering it is. */
export interface ListEntry {
  readonly message: InboundMessage;
  readonly attempt: number;
}

/** An outbound message as an Orderly list entry (see the format above). */
export function encodeListEntry(message: OutboundMessage, attempt = 1): Buffer {
  return wrap({ key: message.key, headers: { ...message.headers } }, message.body, attempt);
}

/** Reads an entry: a wrapper Orderly wrote, or else a bare body from any producer. */
export function decodeListEntry(raw: Buffer): ListEntry {
  const wrapper = unwrap(raw);
  if (!wrapper) return { message: { body: new Uint8Array(raw), headers: {} }, attempt: 1 };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(wrapper.headers ?? {})) headers[name.toLowerCase()] ??= value;
  const body = wrapper.bodyBase64 !== undefined ? Buffer.from(wrapper.bodyBase64, 'base64') : Buffer.from(wrapper.body ?? '', 'utf8');
  const message: InboundMessage = { body: new Uint8Array(body), headers, ...(wrapper.key === undefined ? {} : { key: wrapper.key }) };
  return { message, attempt: wrapper.attempt ?? 1 };
}

/** The entry to put back in place of `raw`: the same message, its attempt one higher. */
export function requeuedListEntry(raw: Buffer): Buffer {
  const wrapper = unwrap(raw);
  if (!wrapper) return wrap({}, raw, 2); // a bare body gains a wrapper that only counts
  const { body, bodyBase64, attempt, ...rest } = wrapper;
  const bytes = bodyBase64 !== undefined ? Buffer.from(bodyBase64, 'base64') : Buffer.from(body ?? '', 'utf8');
  return wrap(rest, bytes, (attempt ?? 1) + 1);
}

function wrap(fields: Pick<Wrapper, 'key' | 'headers'>, body: Uint8Array, attempt: number): Buffer {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const text = bytes.toString('utf8');
  // Invalid UTF-8 would come back as U+FFFD: only bytes that survive the round trip go as text.
  const encoded = Buffer.from(text, 'utf8').equals(bytes) ? { body: text } : { bodyBase64: bytes.toString('base64') };
  const wrapper: Wrapper = { ...fields, ...encoded, ...(attempt > 1 ? { attempt } : {}) };
  return Buffer.concat([PREFIX, Buffer.from(JSON.stringify(wrapper), 'utf8')]);
}

/** The wrapper in `raw`, or undefined when `raw` is not exactly one (then it is a bare body). */
function unwrap(raw: Buffer): Wrapper | undefined {
  if (raw.length <= PREFIX.length || !raw.subarray(0, PREFIX.length).equals(PREFIX)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.subarray(PREFIX.length).toString('utf8'));
  } catch {
    return undefined;
  }
  return isWrapper(parsed) ? parsed : undefined;
}

function isWrapper(value: unknown): value is Wrapper {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { key, headers, body, bodyBase64, attempt } = value as Record<string, unknown>;
  if ((body === undefined) === (bodyBase64 === undefined)) return false; // exactly one form of body
  if (body !== undefined && typeof body !== 'string') return false;
  if (bodyBase64 !== undefined && typeof bodyBase64 !== 'string') return false;
  if (key !== undefined && typeof key !== 'string') return false;
  if (attempt !== undefined && !(Number.isSafeInteger(attempt) && (attempt as number) >= 1)) return false;
  if (headers === undefined) return true;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return false;
  return Object.values(headers).every((v) => typeof v === 'string');
}
