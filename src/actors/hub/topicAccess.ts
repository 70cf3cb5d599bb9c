import { mayRead, type Principal } from '../../domain/principal.js';
import type { Topic } from './topic.js';

/** Why a subscription was refused; `code` goes to the client in the error frame. */
export interface TopicRefusal {
  readonly code: 'forbidden' | 'lookup_failed';
  readonly message: string;
}

/** The owner (`userId`) of an order, or `undefined` while the order is not known yet. */
export type OrderOwner = (orderId: string) => Promise<string | undefined>;

/**
 * Whether `principal` may subscribe to `topic`: their own `user:` topic, orders that are theirs
 * (or not known yet), `tasks:` topics (each delivery is filtered by owner anyway), `admin:all`
 * for admins only. Admins may subscribe to anything. This is the first of two gates: every
 * delivery is also checked with `mayRead` against the message's `ownerId`, so an order that
 * turns out to be someone else's never shows anything.
 */
export async function authoriseTopic(principal: Principal, topic: Topic, orderOwner: OrderOwner): Promise<TopicRefusal | undefined> {
  if (principal.role === 'admin') return undefined;
  switch (topic.kind) {
    case 'admin':
      return { code: 'forbidden', message: 'admin:all is for admins only' };
    case 'user':
      return topic.id === principal.userId ? undefined : { code: 'forbidden', message: `${topic.name} is not yours` };
    case 'tasks':
      return undefined;
    case 'order': {
      let owner: string | undefined;
      try {
        owner = await orderOwner(topic.id);
      } catch {
        return { code: 'lookup_failed', message: `could not check who owns ${topic.name}; try again` };
      }
      return owner === undefined || mayRead(principal, owner) ? undefined : { code: 'forbidden', message: `${topic.name} is not yours` };
    }
  }
}
