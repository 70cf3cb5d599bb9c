/**
 * Who is asking: the verified subject of a bearer token (or of a ticket made from one). Roles:
 * `user` sees and creates only their own orders; `producer` may publish events; `admin` sees
 * and may do everything.
 */
export type Role = 'user' | 'producer' | 'admin';

export interface Principal {
  /** The token's `sub`: a user id. */
  readonly userId: string;
  readonly role: Role;
}

/** Whether `principal` may see what belongs to `ownerId` (an order's `userId`). */
export const mayRead = (principal: Principal, ownerId: string): boolean => principal.role === 'admin' || principal.userId === ownerId;
