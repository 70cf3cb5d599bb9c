import { AsyncLocalStorage } from 'node:async_hooks';
import type { Decoded } from './delivery.js';

/** What every log line says about the message being handled while it is written. */
export interface LogContext {
  readonly correlationId: string;
  readonly causationId?: string;
  readonly eventId: string;
  readonly type: string;
  readonly orderId: string;
  /** The gateway the message came from: `kafka`, `rabbitmq`, `nats`, `redis`, `memory`… */
  readonly source: string;
  readonly channel: string;
}

/**
 * The message a piece of code is working for, carried across every `await` by AsyncLocalStorage
 * rather than handed from function to function: the store, the actors and the gateways log as
 * they always do, and the logger's mixin (src/app/createLogger.ts) adds these fields.
 */
const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` (and everything it awaits or schedules) as work for `context`. */
export function runInLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of the work under way, if any: what a logger's mixin adds to a line. */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/** The context of one decoded delivery. */
export function logContextOf({ delivery, envelope }: Decoded): LogContext {
  return {
    correlationId: envelope.correlationId,
    ...(envelope.causationId === undefined ? {} : { causationId: envelope.causationId }),
    eventId: envelope.id,
    type: envelope.type,
    orderId: envelope.key,
    source: delivery.origin.gateway,
    channel: delivery.origin.channel,
  };
}
