/** What a topic name stands for. `admin:all` carries every change. */
export type Topic =
  | { readonly kind: 'order'; readonly id: string; readonly name: string }
  | { readonly kind: 'user'; readonly id: string; readonly name: string }
  | { readonly kind: 'tasks'; readonly id: string; readonly name: string }
  | { readonly kind: 'admin'; readonly name: 'admin:all' };

/** Longest topic name accepted; ids are UUIDs or short slugs, never more. */
export const MAX_TOPIC_LENGTH = 200;

/** Ids are printable ASCII without spaces, so a topic name can never smuggle anything into a log or header. */
const ID = /^[\x21-\x7e]+$/;

/** The topic `name` names, or `undefined` when it is not one of `order:<id>`, `user:<id>`, `tasks:<id>`, `admin:all`. */
export function parseTopic(name: unknown): Topic | undefined {
  if (typeof name !== 'string' || name.length > MAX_TOPIC_LENGTH) return undefined;
  if (name === 'admin:all') return { kind: 'admin', name };
  const colon = name.indexOf(':');
  if (colon < 0) return undefined;
  const prefix = name.slice(0, colon);
  const id = name.slice(colon + 1);
  if (!ID.test(id)) return undefined;
  if (prefix === 'order' || prefix === 'user' || prefix === 'tasks') return { kind: prefix, id, name };
  return undefined;
}

export const orderTopic = (orderId: string): string => `order:${orderId}`;
export const userTopic = (userId: string): string => `user:${userId}`;
export const taskTopic = (taskId: string): string => `tasks:${taskId}`;
export const ADMIN_TOPIC = 'admin:all';
