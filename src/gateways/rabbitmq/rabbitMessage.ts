import type { ConsumeMessage, Options } from 'amqplib';
import type { InboundMessage } from '../../streams/delivery.js';
import type { OutboundMessage } from '../../streams/source.js';

/**
 * AMQP keeps some headers as message properties; Orderly's messages carry them as plain
 * headers (content-type, message-id, correlation_id). These two functions are the mapping,
 * both ways, so a producer that uses either form is understood.
 */
export function toInboundMessage(message: ConsumeMessage): InboundMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
    if (value === undefined || value === null) continue;
    headers[name.toLowerCase()] = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  const { contentType, messageId, correlationId } = message.properties;
  if (typeof contentType === 'string') headers['content-type'] ??= contentType;
  if (typeof messageId === 'string') headers['message-id'] ??= messageId;
  if (typeof correlationId === 'string') headers['correlation_id'] ??= correlationId;
  const key = headers['x-orderly-key'];
  return { body: message.content, headers, ...(key === undefined ? {} : { key }) };
}

export function toPublishOptions(message: OutboundMessage): Options.Publish {
  const headers = { ...message.headers, 'x-orderly-key': message.key };
  return {
    persistent: true,
    headers,
    ...(message.headers['content-type'] ? { contentType: message.headers['content-type'] } : {}),
    ...(message.headers['message-id'] ? { messageId: message.headers['message-id'] } : {}),
    ...(message.headers['correlation_id'] ? { correlationId: message.headers['correlation_id'] } : {}),
  };
}

/**
 * Attempt number of a delivery. Quorum queues count deliveries in `x-delivery-count`; a classic
 * queue only says whether it was redelivered.
 */
export function attemptOf(message: ConsumeMessage): number {
  const count = Number(message.properties.headers?.['x-delivery-count']);
  if (Number.isInteger(count) && count >= 0) return count + 1;
  return message.fields.redelivered ? 2 : 1;
}
