import { z } from 'zod';
import type { OrderStatus } from '../../../actors/orderView.js';
import type { STATUS_CHANGED_TYPE, STATUS_CHANGED_VERSION, StatusChangedData } from '../../../actors/outbox/outboxEntry.js';

/**
 * The outbound `order.status-changed` event. The outbox describes it with a TypeScript interface
 * only, and a gateway may import an actor's types but not its values, so its schema is written
 * here; the type assertions below fail to compile as soon as it and the interface disagree.
 */
export const STATUS_CHANGED: typeof STATUS_CHANGED_TYPE = 'order.status-changed';
export const STATUS_CHANGED_DATA_VERSION: typeof STATUS_CHANGED_VERSION = 1;

/** Every `OrderStatus`; the assertion at the end keeps the two the same. */
export const ORDER_STATUSES = ['new', 'pending', 'paid', 'payment_failed', 'shipped', 'cancelled'] as const satisfies readonly OrderStatus[];

const status = z.enum(ORDER_STATUSES);

export const statusChangedData = z.object({
  orderId: z.string().min(1).describe('The order; also the CloudEvent `partitionkey`.'),
  from: status.describe('Status before the transition.'),
  to: status.describe('Status after the transition; never equal to `from`.'),
  eventId: z.string().min(1).describe('Id of the event that caused the transition (also `causationid`).'),
  eventType: z.string().min(1).describe('Type of the event that caused the transition, e.g. `payment.completed`.'),
  occurredAt: z.iso.datetime({ offset: true }).describe('When the causing event happened.'),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _everyStatus: Same<OrderStatus, (typeof ORDER_STATUSES)[number]> = true;
const _sameShape: Same<z.output<typeof statusChangedData>, { -readonly [K in keyof StatusChangedData]: StatusChangedData[K] }> = true;
