import type { InboundMessage } from '../../streams/delivery.js';
import type { OutboundMessage } from '../../streams/source.js';

/**
 * A stream entry's fields, both ways. The body is `data` (plain JSON) or `event` (a structured
 * CloudEvent); `id`, `type` and `correlation_id` are the fields the Go producers set; every other
 * header travels as `h:<name>`, and the ordering key as `key`.
 */
export function toStreamFields(message: OutboundMessage): string[] {
  const { 'content-type': contentType, 'message-id': messageId, correlation_id: correlationId, ...rest } = message.headers;
  const structured = contentType?.startsWith('application/cloudevents+json') === true;
  const fields = [structured ? 'event' : 'data', Buffer.from(message.body).toString('utf8'), 'key', message.key];
  if (messageId !== undefined) fields.push('id', messageId);
  if (correlationId !== undefined) fields.push('correlation_id', correlationId);
  if (contentType !== undefined && !structured) fields.push('h:content-type', contentType);
  for (const [name, value] of Object.entries(rest)) fields.push(`h:${name}`, value);
  return fields;
}

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
      headers['content-type'] = 'application/cloudevents+json';
    } else if (name === 'key') key = value;
    else if (name === 'id') headers['message-id'] = value;
    else if (name === 'correlation_id') headers['correlation_id'] = value;
    else if (name === 'type') headers['ce_type'] ??= value;
    else if (name.startsWith('h:')) headers[name.slice(2).toLowerCase()] = value;
  }
  return { body: Buffer.from(body, 'utf8'), headers, ...(key === undefined ? {} : { key }) };
}
