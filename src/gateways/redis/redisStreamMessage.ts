import type { InboundMessage } from '../../streams/delivery.js';
import type { OutboundMessage } from '../../streams/source.js';

/** Where the ordering key travels: header `x-orderly-key` on the way in, field `key` in the entry. */
const KEY_HEADER = 'x-orderly-key';
const STRUCTURED = 'application/cloudevents+json';
/** Headers that have a field of their own (the Go producers' names) instead of an `h:` field. */
const FIELD_OF: Readonly<Record<string, string>> = { 'message-id': 'id', correlation_id: 'correlation_id', type: 'type' };

/**
 * An outbound message as the fields of one stream entry. The body is field `data` (plain JSON)
 * or `event` (a structured CloudEvent: `content-type` starts with `application/cloudevents+json`,
 * which the field name then stands for); headers `message-id`, `correlation_id` and `type` go to
 * fields `id`, `correlation_id` and `type`, as the Go producers write them; every other header
 * travels as `h:<name>`; the key as `key`. The body is written as UTF-8 text (it is JSON).
 */
export function toStreamFields(message: OutboundMessage): string[] {
  const contentType = message.headers['content-type'];
  const structured = contentType?.startsWith(STRUCTURED) === true;
  const fields = [structured ? 'event' : 'data', Buffer.from(message.body).toString('utf8'), 'key', message.key];
  for (const [name, value] of Object.entries(message.headers)) {
    if (name === KEY_HEADER || (name === 'content-type' && structured)) continue;
    fields.push(FIELD_OF[name] ?? `h:${name}`, value);
  }
  return fields;
}

/** The inverse of `toStreamFields`; also reads entries the Go producers wrote (`data` and `id` only). */
export function fromStreamFields(fields: readonly string[]): InboundMessage {
  const headers: Record<string, string> = {};
  let body = '';
  let key: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    if (name === 'data') body = value;
    else if (name === 'event') {
      body = value;
      headers['content-type'] = STRUCTURED;
    } else if (name === 'key') key = value;
    else if (name === 'id') headers['message-id'] = value;
    else if (name === 'correlation_id' || name === 'type') headers[name] = value;
    else if (name.startsWith('h:')) headers[name.slice(2).toLowerCase()] ??= value;
  }
  key ??= headers[KEY_HEADER];
  return { body: Buffer.from(body, 'utf8'), headers, ...(key === undefined ? {} : { key }) };
}
