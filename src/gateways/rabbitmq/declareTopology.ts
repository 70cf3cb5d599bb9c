import type { Channel } from 'amqplib';
import type { ResolvedRabbitMqOptions } from './rabbitMqOptions.js';

export const DEAD_LETTER_SUFFIX = '.dlq';

/**
 * Declares, idempotently, what a channel needs: the topic exchange, a queue named after the
 * channel bound to it by that routing key, the dead-letter exchange, and `<channel>.dlq` bound
 * to it by the same key. Run on every connect, so a broker that lost its state (or a fresh
 * one) gets the topology back before anything is published or consumed.
 */
export async function declareTopology(channel: Channel, options: ResolvedRabbitMqOptions, names: readonly string[]): Promise<void> {
  await channel.assertExchange(options.exchange, 'topic', { durable: true });
  await channel.assertExchange(options.deadLetterExchange, 'topic', { durable: true });
  const queue = { durable: true, arguments: { 'x-queue-type': options.queueType } };
  for (const name of names) {
    const base = name.endsWith(DEAD_LETTER_SUFFIX) ? name.slice(0, -DEAD_LETTER_SUFFIX.length) : name;
    await channel.assertQueue(base, queue);
    await channel.bindQueue(base, options.exchange, base);
    await channel.assertQueue(base + DEAD_LETTER_SUFFIX, queue);
    await channel.bindQueue(base + DEAD_LETTER_SUFFIX, options.deadLetterExchange, base);
  }
}
