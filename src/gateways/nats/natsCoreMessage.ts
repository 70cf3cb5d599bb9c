import type { JsMsg, Msg } from 'nats';
import type { InboundMessage } from '../../streams/delivery.js';
import { toInboundMessage } from './natsMessage.js';

/**
 * A core NATS message as Orderly's `InboundMessage`, mapped as JetStream's are, with the body
 * copied: nats.js hands over a view into the socket read chunk it parsed, and a message that
 * waits in the buffer must not keep that whole chunk alive.
 */
export function toCoreInboundMessage(message: Msg): InboundMessage {
  // `toInboundMessage` reads only `headers` and `data`, which a core message has as well; it is
  // typed for JetStream messages alone.
  const inbound = toInboundMessage({ headers: message.headers, data: message.data } as JsMsg);
  // `new Uint8Array(view)` copies; `slice()` would not, as nats.js' data is a Node Buffer, whose `slice` is a view.
  return { ...inbound, body: new Uint8Array(inbound.body) };
}
