import { headers as natsHeaders, type JsMsg, type MsgHdrs } from 'nats';
import type { InboundMessage } from '../../streams/delivery.js';
import type { OutboundMessage } from '../../streams/source.js';

const KEY_HEADER = 'x-orderly-key';

/** NATS headers (multi-valued, case-kept) as Orderly's: lower-cased names, the last value of each. */
export function toInboundMessage(message: JsMsg): InboundMessage {
  const headers: Record<string, string> = {};
  for (const [name, values] of message.headers ?? ([] as Iterable<[string, string[]]>)) {
    const value = values[values.length - 1];
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const key = headers[KEY_HEADER];
  return { body: message.data, headers, ...(key === undefined ? {} : { key }) };
}

export function toNatsHeaders(message: OutboundMessage): MsgHdrs {
  const result = natsHeaders();
  for (const [name, value] of Object.entries(message.headers)) result.set(name, value);
  result.set(KEY_HEADER, message.key);
  return result;
}
