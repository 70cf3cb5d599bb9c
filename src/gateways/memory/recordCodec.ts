import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { OrderRecord } from '../../actors/orderRecord.js';

/**
 * Deflate primed with the words every order record repeats (field names, statuses, event
 * types): a record of ~650 bytes of JSON keeps as ~130. Measured in BENCHMARKS.md; it is what
 * lets the embedded store hold a million orders in a few hundred MiB.
 */
const dictionary = Buffer.from(
  '{"orderId":"","version":,"status":"new","pending","paid","payment_failed","shipped","cancelled",' +
    '"view":{"orderId":"","userId":"","items":[{"productId":"","quantity":,"priceCents":}],"totalCents":,' +
    '"currency":"EUR","USD","createdAt":"T00:00:00.000Z","payment":{"paymentId":"","amountCents":},' +
    '"lastPaymentFailure":{"reason":""},"cancellation":{"refundDue":true,false},"shipment":{"carrier":"","trackingNumber":""}},' +
    '"appliedIds":[],"stash":[{"envelope":{"id":"","type":"","version":,"key":"","correlationId":"","source":"","occurredAt":"","headers":{},"data":{}},"stashedAt":}],' +
    '"history":[{"eventId":"","type":"order.created","payment.completed","payment.failed","order.cancelled","order.shipped","status":"","at":"","correlationId":""}]}',
);

/** A record as a compact one-byte string: deflated JSON, each byte one latin1 character. */
export function packRecord(record: OrderRecord): string {
  return deflateRawSync(JSON.stringify(record), { dictionary, level: 1 }).toString('latin1');
}

export function unpackRecord(packed: string): OrderRecord {
  return JSON.parse(inflateRawSync(Buffer.from(packed, 'latin1'), { dictionary }).toString('utf8')) as OrderRecord;
}
