import type { Channel } from 'amqplib';
import type { ResolvedRabbitMqOptions } from './rabbitMqOptions.js';

export const DEAD_LETTER_SUFFIX = '.dlq';

/**
 * Declares, idempotently, what a channel needs: the topic exchange, a queue named after the
 * channel (after `queuePrefix`) bound to it by the channel name as routing key, the dead-letter
 * exchange, and `<queue>.dlq` bound to it by the same key. Run on every connect, so a broker that lost its state (or a fresh
 * one) gets the topology back before anything is published or consumed.
 */
export async function declareTopology(channel: Channel, options: ResolvedRabbitMqOptions, names: readonly string[]): Promise<void> {
  await channel.assertExchange(options.exchange, 'topic', { durable: true });
  await channel.assertExchange(options.deadLetterExchange, 'topic', { durable: true });
  const queue = { durable: true, arguments: { 'x-queue-type': options.queueType } };
  for (const name of names) {
    const base = name.endsWith(DEAD_LETTER_SUFFIX) ? name.slice(0, -DEAD_LETTER_SUFFIX.length) : name;
    const queueName = options.queuePrefix + base;
    await channel.assertQueue(queueName, queue);
    await channel.bindQueue(queueName, options.exchange, base);
    await channel.assertQueue(queueName + DEAD_LETTER_SUFFIX, queue);
    await channel.bindQueue(queueName + DEAD_LETTER_SUFFIX, options.deadLetterExchange, base);
  }
}
