import { CURRENT_VERSION, EVENT_TYPES, isEventType } from '../../../domain/orderEvents.js';
import { BROKER_CHANNELS, type BrokerName } from './brokerChannels.js';
import { DEAD_LETTER_MESSAGE, STATUS_CHANGED_MESSAGE, messageId, messageIdsOf } from './asyncApiMessages.js';

/** Which channels exist where; the settings of the same names, already resolved. */
export interface ChannelLayout {
  /** `ORDERLY_CHANNELS`, without the prefix. */
  readonly channels: readonly string[];
  /** `ORDERLY_CHANNEL_PREFIX`. */
  readonly prefix: string;
  /** `ORDERLY_SOURCES`. */
  readonly sources: readonly BrokerName[];
  /** The broker the HTTP API and the outbox publish to. */
  readonly publishTo: BrokerName;
  /** `ORDERLY_STATUS_CHANNEL`, without the prefix, when status events are published. */
  readonly statusChannel?: string;
  /** `ORDERLY_PUBLISH_CHANNEL`, without the prefix, when it is to be described. */
  readonly publishChannel?: string;
}

type Ref = { readonly $ref: string };
const ref = ($ref: string): Ref => ({ $ref });
/** AsyncAPI ids are `[A-Za-z0-9._-]`; a channel setting is not checked against that. */
const idOf = (...parts: string[]) => parts.join('.').replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * The AsyncAPI `channels` and `operations`: on every broker consumed from, each configured
 * channel (received) and its dead-letter channel (sent); on the broker published to, the status
 * channel and the channel the HTTP API publishes to (sent).
 */
export function asyncApiChannels(layout: ChannelLayout): { channels: Record<string, unknown>; operations: Record<string, unknown> } {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const addChannel = (broker: BrokerName, name: string, deadLetter: boolean, messageIds: readonly string[], description: string) => {
    const conventions = BROKER_CHANNELS[broker];
    const id = idOf(broker, name, ...(deadLetter ? ['dlq'] : []));
    channels[id] ??= {
      address: deadLetter ? conventions.deadLetterAddress(name) : conventions.address(name),
      title: `${name}${deadLetter ? ' (dead letters)' : ''} on ${broker}`,
      description: `${description} ${conventions.carries}`,
      servers: [ref(`#/servers/${broker}`)],
      messages: Object.fromEntries(messageIds.map((message) => [message, ref(`#/components/messages/${message}`)])),
      ...(conventions.bindings ? { bindings: conventions.bindings(name, deadLetter) } : {}),
    };
    return id;
  };
  const addOperation = (id: string, action: 'send' | 'receive', channel: string, messageIds: readonly string[], summary: string) => {
    operations[id] = {
      action,
      channel: ref(`#/channels/${channel}`),
      summary,
      messages: messageIds.map((message) => ref(`#/channels/${channel}/messages/${message}`)),
    };
  };

  for (const broker of layout.sources) {
    for (const channel of layout.channels) {
      const name = layout.prefix + channel;
      const messageIds = isEventType(channel) ? messageIdsOf(channel) : EVENT_TYPES.flatMap(messageIdsOf);
      const description = isEventType(channel)
        ? `Events of type \`${channel}\`, in either CloudEvents mode or as a plain JSON payload (the channel names the type).`
        : 'Events of every type, in either CloudEvents mode; a plain payload here has no type and is dead-lettered as `unknown-type`.';
      const id = addChannel(broker, name, false, messageIds, description);
      addOperation(idOf(id, 'receive'), 'receive', id, messageIds, `Orderly consumes ${name} from ${broker}, at least once.`);
      const dlq = addChannel(broker, name, true, [DEAD_LETTER_MESSAGE], `Where messages of ${name} that Orderly gave up on are parked.`);
      addOperation(idOf(dlq, 'send'), 'send', dlq, [DEAD_LETTER_MESSAGE], `Orderly parks a message of ${name} it cannot process.`);
    }
  }
  if (layout.statusChannel !== undefined) {
    const name = layout.prefix + layout.statusChannel;
    const id = addChannel(layout.publishTo, name, false, [STATUS_CHANGED_MESSAGE], 'Every status transition of every order.');
    addOperation(idOf(id, 'send'), 'send', id, [STATUS_CHANGED_MESSAGE], 'Orderly publishes each status transition once it is stored.');
  }
  if (layout.publishChannel !== undefined) {
    const name = layout.prefix + layout.publishChannel;
    const published = EVENT_TYPES.filter((type) => !isEventType(layout.publishChannel) || type === layout.publishChannel).map((type) =>
      messageId(type, CURRENT_VERSION[type], 'structured'),
    );
    const id = addChannel(layout.publishTo, name, false, published, 'Events accepted by the HTTP API.');
    addOperation(idOf(id, 'publish'), 'send', id, published, 'Orderly publishes what `POST /orders` and `POST /events` accept, upcast, in structured mode.');
  }
  return { channels, operations };
}
