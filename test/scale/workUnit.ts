/**
 * One unit of a message's work, like a consumer's: an order-sized object to JSON and back, which
 * allocates as real handling does. The raw client of the overload run does a count of these per
 * message, and the machine-speed probe measures how many of them a CPU-millisecond buys.
 */
const ORDER_LIKE = {
  orderId: 'ord-000000000001',
  userId: 'user-042',
  status: 'paid',
  version: 5,
  items: [1, 2, 3].map((n) => ({ sku: `sku-${n}`, quantity: n, priceCents: 1999 * n })),
  history: [1, 2, 3, 4, 5].map((n) => ({ type: `order.step-${n}`, eventId: `evt-${n}-0000000000`, at: '2026-01-01T00:00:00.000Z', from: 'created', to: 'paid' })),
};

/** V8 does not drop JSON work whose result is unused: parsing and stringifying can throw or call out. */
export const workUnit = (): unknown => JSON.parse(JSON.stringify(ORDER_LIKE));

/** This process's CPU time so far (user + system), in µs. */
export function cpuUs(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}
