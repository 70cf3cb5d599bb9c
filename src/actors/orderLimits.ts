/** Bounds on what one order record keeps. Every field is configurable (see src/app/config.ts). */
export interface OrderLimits {
  /**
   * How many applied message ids an order remembers for deduplication. An order sees a handful
   * of events in its life, so the window covers all of them in practice; past it, a very old
   * redelivery is judged by the lifecycle rules (most are then forbidden and dead-lettered).
   * @default 256
   */
  readonly maxAppliedIds: number;
  /** Most events stashed while waiting for `order.created`; the next one is an orphan. @default 32 */
  readonly stashMaxCount: number;
  /** Age after which a stashed event is dead-lettered as an orphan. @default 600_000 (10 min) */
  readonly stashMaxAgeMs: number;
  /** History entries kept per order. @default 50 */
  readonly maxHistory: number;
}

export const defaultOrderLimits: OrderLimits = {
  maxAppliedIds: 256,
  stashMaxCount: 32,
  stashMaxAgeMs: 600_000,
  maxHistory: 50,
};
