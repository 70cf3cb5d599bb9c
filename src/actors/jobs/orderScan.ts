import type { OrderRecord } from '../orderRecord.js';

/**
 * Reads every stored order, for reports. Each store implements it beside itself (in a file of
 * its own): Redis with `SCAN`, the embedded store through an index of the ids it saved.
 */
export interface OrderScan {
  /**
   * Every stored order, in no particular order, fetched in batches: memory stays bounded by the
   * batch, not the store. An order saved or changed during the scan may or may not be seen.
   */
  scan(): AsyncIterable<OrderRecord>;
}
