import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { InboundMessage } from '../../streams/delivery.js';
import type { OutboundMessage } from '../../streams/source.js';

/** Kafka header values are bytes (or arrays of them); Orderly's are strings, names lower-cased. */
export function toInboundMessage(message: KafkaMessage): InboundMessage {
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(message.headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) headers[name.toLowerCase()] = value.toString();
  }
  const key = message.key?.toString();
  return { body: message.value ?? Buffer.alloc(0), headers, ...(key === undefined ? {} : { key }) };
}

/** The record key is the order id, so one order's events share a partition and keep their order. */
export function toKafkaMessage(message: OutboundMessage): Message {
  return { key: message.key, value: Buffer.from(message.body), headers: { ...message.headers } as IHeaders };
}
