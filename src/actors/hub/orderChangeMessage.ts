import type { OrderChange } from '../decideOrder.js';
import type { HubMessage } from './hubMessage.js';
import { ADMIN_TOPIC, orderTopic, userTopic } from './topic.js';

/**
 * The publisher side: one applied order change as the hub message every instance fans out, on
 * `order:<id>`, `user:<userId>` and `admin:all`. `event` is the order's view after the change and
 * the CloudEvent (structured, JSON) that caused it.
 */
export function orderChangeMessage(change: OrderChange): HubMessage {
  const { envelope, view } = change;
  const cloudEvent = {
    specversion: '1.0',
    id: envelope.id,
    source: envelope.source,
    type: envelope.type,
    time: envelope.occurredAt,
    datacontenttype: 'application/json',
    dataversion: envelope.version,
    correlationid: envelope.correlationId,
    partitionkey: envelope.key,
    ...(envelope.causationId === undefined ? {} : { causationid: envelope.causationId }),
    data: envelope.data,
  };
  return {
    id: envelope.id,
    topics: [orderTopic(view.orderId), userTopic(view.userId), ADMIN_TOPIC],
    ownerId: view.userId,
    event: { snapshot: { ...view, status: change.to }, cloudEvent },
  };
}
