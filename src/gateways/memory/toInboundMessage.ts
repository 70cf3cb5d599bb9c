import type { InboundMessage } from '../../streams/delivery.js';
import type { OutboundMessage } from '../../streams/source.js';
import { InvalidPublishError } from './memoryBrokerErrors.js';

/**
 * Checks a publish and turns the outbound message into what consumers will receive: the body
 * copied (the broker owns its bytes from now on; the publisher may reuse its buffer), header
 * names lower-cased as `InboundMessage` promises. When two names differ only by case, the one
 * that comes last in the object wins.
 */
export function toInboundMessage(channel: string, message: OutboundMessage): InboundMessage {
  if (typeof channel !== 'string' || channel.length === 0) throw new InvalidPublishError('channel must be a non-empty string');
  if (typeof message !== 'object' || message === null) throw new InvalidPublishError('message must be an object');
  if (!(message.body instanceof Uint8Array)) throw new InvalidPublishError('message.body must be a Uint8Array');
  if (typeof message.key !== 'string') throw new InvalidPublishError('message.key must be a string');
  if (typeof message.headers !== 'object' || message.headers === null) throw new InvalidPublishError('message.headers must be an object');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (typeof value !== 'string') throw new InvalidPublishError(`header '${name}' must be a string`);
    headers[name.toLowerCase()] = value;
  }
  return { body: new Uint8Array(message.body), headers, key: message.key };
}
