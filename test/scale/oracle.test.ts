import { describe, expect, it } from 'vitest';
import type { JournalEntry } from './journal.js';
import { checkRun, type ClientSeen, type DeadLetterSeen, type OracleInput, type StatusEventSeen, type StoredOrderSeen } from './oracle.js';
import { applyToModel, newModelOrder } from './referenceModel.js';

// Synthetic runs: a small journal, and what a correct Orderly would have left behind (made from
// the reference model). Each test breaks one thing and the oracle must name it.

let at = 0;
const entry = (orderId: string, seq: number, type: string, data: unknown, kind: JournalEntry['kind'] = 'event', id = `${orderId}-e${seq}`): JournalEntry => ({
  id,
  orderId,
  userId: orderId === 'o3' ? 'u2' : 'u1',
  seq,
  kind,
  type,
  ...(kind === 'invalid' ? {} : { data }),
  confirmedAt: ++at,
});
const created = (orderId: string) => ({ orderId, userId: orderId === 'o3' ? 'u2' : 'u1', items: [{ productId: 'p', quantity: 1, priceCents: 500 }], totalCents: 500, currency: 'EUR', timestamp: '2030-01-01T00:00:00Z' });

const journal: JournalEntry[] = [
  entry('o1', 1, 'order.created', created('o1')),
  entry('o1', 2, 'payment.failed', { orderId: 'o1', paymentId: 'p1', reason: 'declined' }),
  entry('o1', 3, 'payment.failed', { orderId: 'o1', paymentId: 'p2', reason: 'declined' }),
  entry('o1', 4, 'payment.completed', { orderId: 'o1', paymentId: 'p3', amountCents: 500 }),
  entry('o1', 5, 'payment.failed', { orderId: 'o1', paymentId: 'p2', reason: 'declined' }, 'duplicate', 'o1-e3'),
  entry('o1', 6, 'order.shipped', { orderId: 'o1', carrier: 'DHL', trackingNumber: 'T1' }),
  entry('o2', 1, 'order.created', created('o2')),
  entry('o2', 2, 'order.shipped', { orderId: 'o2', carrier: 'DHL', trackingNumber: 'T2' }), // refused: not paid
  entry('o2', 3, 'order.refunded', undefined, 'invalid'),
  entry('o2', 4, 'order.cancelled', { orderId: 'o2', reason: 'changed mind' }),
  entry('o3', 1, 'order.created', created('o3')),
  entry('o3', 2, 'payment.completed', { orderId: 'o3', paymentId: 'p9', amountCents: 500 }),
  entry('o3', 3, 'order.cancelled', { orderId: 'o3', reason: 'out of stock' }),
];

/**
 * What a correct run leaves: store, status events (each sent twice, as relays may), dead letters,
 * clients. `appliedOrder` feeds an order's events to the model in another order than published,
 * as competing consumers may.
 */
function perfectRun(appliedOrder: Record<string, string[]> = {}): OracleInput {
  const store = new Map<string, StoredOrderSeen>();
  const statusEvents: StatusEventSeen[] = [];
  const deadLetters: DeadLetterSeen[] = [];
  for (const orderId of ['o1', 'o2', 'o3']) {
    const model = newModelOrder();
    const published = journal.filter((j) => j.orderId === orderId);
    const order = appliedOrder[orderId];
    const fed = order ? order.map((id) => published.find((j) => j.id === id)!) : published;
    for (const e of fed) {
      if (e.kind === 'invalid') deadLetters.push({ eventId: e.id, reason: 'unknown-type', message: 'no such type' });
      else applyToModel(model, { id: e.id, type: e.type, data: e.data });
    }
    for (const id of model.refused) deadLetters.push({ eventId: id, reason: 'forbidden-transition', message: 'not allowed' });
    const v = model.view!;
    store.set(orderId, {
      status: model.status,
      view: {
        userId: v.userId,
        totalCents: v.totalCents,
        ...(v.paymentId ? { payment: { paymentId: v.paymentId } } : {}),
        ...(v.lastFailedPaymentId ? { lastPaymentFailure: { paymentId: v.lastFailedPaymentId } } : {}),
        ...(v.trackingNumber ? { shipment: { trackingNumber: v.trackingNumber } } : {}),
        ...(v.cancelReason ? { cancellation: { reason: v.cancelReason, refundDue: v.refundDue! } } : {}),
      },
      history: model.changes.map((c) => ({ eventId: c.eventId, status: c.to })),
      stash: [],
    });
    for (const c of model.changes.filter((c) => c.from !== c.to)) {
      const event = { id: `s-${c.eventId}`, orderId, from: c.from, to: c.to, eventId: c.eventId };
      statusEvents.push(event, event);
    }
  }
  let seq = 0;
  const framesOf = (orderIds: string[]) =>
    orderIds.flatMap((orderId) => store.get(orderId)!.history.map((h) => ({ seq: ++seq, orderId, eventId: h.eventId, status: h.status })));
  const clients: ClientSeen[] = [
    { userId: 'u1', frames: framesOf(['o1', 'o2']), resets: 0 },
    { userId: 'u2', frames: framesOf(['o3']), resets: 0 },
  ];
  return { journal, store, statusEvents, deadLetters, clients, ordering: 'per-order' };
}

const withOrder = (input: OracleInput, orderId: string, change: (order: StoredOrderSeen) => StoredOrderSeen): OracleInput => {
  const store = new Map(input.store);
  store.set(orderId, change(store.get(orderId)!));
  return { ...input, store };
};
const kinds = (input: OracleInput) => Object.keys(checkRun(input).counts).sort();

describe('oracle - a correct run', () => {
  it('passes, counting re-sent status events once and the refused and invalid events as dead letters', () => {
    const verdict = checkRun(perfectRun());
    expect(verdict.violations).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.line).toMatch(/^oracle: PASS /);
    expect(verdict.figures).toMatchObject({ confirmed: 13, distinctEvents: 12, orders: 3, applied: 10, transitions: 9, statusEventsReceived: 18, statusEventsDistinct: 9, reorderedOrders: 0 });
    expect(verdict.figures.deadLettered).toEqual({ 'unknown-type': 1, 'forbidden-transition': 1 });
  });

  it('passes a stashed payment applied right after its creation', () => {
    const early: JournalEntry[] = [
      entry('o9', 1, 'payment.completed', { orderId: 'o9', paymentId: 'px', amountCents: 500 }),
      entry('o9', 2, 'order.created', created('o9')),
    ];
    const input: OracleInput = {
      journal: early,
      store: new Map([['o9', { status: 'paid', view: { userId: 'u1', totalCents: 500, payment: { paymentId: 'px' } }, history: [{ eventId: 'o9-e2', status: 'pending' }, { eventId: 'o9-e1', status: 'paid' }], stash: [] }]]),
      statusEvents: [
        { id: 'a', orderId: 'o9', from: 'new', to: 'pending', eventId: 'o9-e2' },
        { id: 'b', orderId: 'o9', from: 'pending', to: 'paid', eventId: 'o9-e1' },
      ],
      deadLetters: [],
      ordering: 'per-order',
    };
    expect(checkRun(input).violations).toEqual([]);
  });
});

describe('oracle - every kind of violation fails the run', () => {
  it('a confirmed event neither applied nor dead-lettered is lost', () => {
    const input = withOrder(perfectRun(), 'o1', (o) => ({ ...o, history: o.history.filter((h) => h.eventId !== 'o1-e6'), status: 'paid', view: { ...o.view!, shipment: undefined } as StoredOrderSeen['view'] }));
    const verdict = checkRun({ ...input, statusEvents: input.statusEvents.filter((e) => e.eventId !== 'o1-e6'), clients: [] });
    expect(verdict.ok).toBe(false);
    expect(Object.keys(verdict.counts).sort()).toEqual(['lost', 'not-applied', 'state-mismatch']);
    expect(verdict.line).toMatch(/^oracle: FAIL .*lost ×1 \(e\.g\. o1 o1-e6/);
  });

  it('an invalid message that was not dead-lettered is lost, and one that was applied is flagged', () => {
    const run = perfectRun();
    expect(kinds({ ...run, deadLetters: run.deadLetters.filter((d) => d.eventId !== 'o2-e3') })).toEqual(['lost']);
    const applied = withOrder(run, 'o2', (o) => ({ ...o, history: [...o.history.slice(0, 1), { eventId: 'o2-e3', status: 'pending' }, ...o.history.slice(1)] }));
    expect(kinds({ ...applied, clients: [] })).toContain('invalid-applied');
  });

  it('an event applied twice', () => {
    const input = withOrder(perfectRun(), 'o1', (o) => ({ ...o, history: [...o.history.slice(0, 2), o.history[1]!, ...o.history.slice(2)] }));
    const verdict = checkRun({ ...input, clients: [] });
    expect(verdict.ok).toBe(false);
    expect(verdict.counts['applied-twice']).toBe(1);
  });

  it('an event both applied and dead-lettered, a dead letter without a reason, a wrong reason', () => {
    const run = perfectRun();
    expect(kinds({ ...run, deadLetters: [...run.deadLetters, { eventId: 'o1-e2', reason: 'max-attempts', message: 'gave up' }] })).toEqual(['applied-and-dead-lettered']);
    expect(kinds({ ...run, deadLetters: run.deadLetters.map((d) => (d.eventId === 'o2-e3' ? { ...d, message: '' } : d)) })).toEqual(['dead-letter-without-reason']);
    expect(kinds({ ...run, deadLetters: run.deadLetters.map((d) => (d.eventId === 'o2-e2' ? { ...d, reason: 'max-attempts' } : d)) })).toEqual(['wrong-dead-letter-reason']);
  });

  it('an event still waiting in the stash at the end', () => {
    const input = withOrder(perfectRun(), 'o3', (o) => ({ ...o, status: 'pending', view: { userId: 'u2', totalCents: 500 }, history: o.history.slice(0, 1), stash: [{ envelope: { id: 'o3-e2' } }, { envelope: { id: 'o3-e3' } }] }));
    const verdict = checkRun({ ...input, statusEvents: input.statusEvents.filter((e) => e.orderId !== 'o3' || e.eventId === 'o3-e1'), clients: [] });
    expect(verdict.counts['still-stashed']).toBe(2);
  });

  it('an applied event nobody published', () => {
    const input = withOrder(perfectRun(), 'o1', (o) => ({ ...o, history: [...o.history.slice(0, 2), { eventId: 'ghost', status: 'payment_failed' }, ...o.history.slice(2)] }));
    expect(kinds({ ...input, clients: [] })).toContain('unknown-applied');
  });

  it('per-order order: the same events applied in another order', () => {
    // o1's two failures applied the other way round: a valid order, consistently stored and announced.
    const swapped = perfectRun({ o1: ['o1-e1', 'o1-e3', 'o1-e2', 'o1-e4', 'o1-e6'] });
    const verdict = checkRun(swapped);
    // The last failure stored is then the other one: the state differs from the model's too.
    expect(Object.keys(verdict.counts).sort()).toEqual(['out-of-order', 'state-mismatch']);
    expect(verdict.figures.reorderedOrders).toBe(1);
    // Without per-order order (competing consumers) any valid order passes.
    expect(checkRun({ ...swapped, ordering: 'none' }).violations).toEqual([]);
  });

  it('without per-order order: an applied order the rules refuse, and events refused after reordering are counted', () => {
    const run = perfectRun();
    const shippedFirst = withOrder(run, 'o1', (o) => ({ ...o, history: [o.history[0]!, o.history[4]!, ...o.history.slice(1, 4)] }));
    expect(kinds({ ...shippedFirst, ordering: 'none', clients: [] })).toContain('refused-by-model');
    // o3's cancellation overtook its payment: the payment is refused and dead-lettered; a valid outcome without per-order order.
    const overtaken = perfectRun({ o3: ['o3-e1', 'o3-e3', 'o3-e2'] });
    const verdict = checkRun({ ...overtaken, ordering: 'none' });
    expect(verdict.violations).toEqual([]);
    expect(verdict.figures.refusedAfterReorder).toBe(1);
    // With per-order order promised, the same outcome fails: the payment should have been applied.
    expect(kinds(overtaken)).toEqual(expect.arrayContaining(['not-applied', 'state-mismatch']));
  });

  it('a final state other than the model’s', () => {
    const input = withOrder(perfectRun(), 'o3', (o) => ({ ...o, view: { ...o.view!, cancellation: { reason: 'out of stock', refundDue: false } } }));
    expect(kinds(input)).toEqual(['state-mismatch']);
  });

  it('every valid event applied, when the load says so', () => {
    expect(kinds({ ...perfectRun(), expectAllApplied: true })).toEqual(['not-applied']);
  });

  it('status events: missing, two distinct ids for one transition, wrong, unexpected', () => {
    const run = perfectRun();
    expect(kinds({ ...run, statusEvents: run.statusEvents.filter((e) => e.eventId !== 'o3-e2') })).toEqual(['status-event-missing']);
    expect(kinds({ ...run, statusEvents: [...run.statusEvents, { id: 'other', orderId: 'o3', from: 'pending', to: 'paid', eventId: 'o3-e2' }] })).toEqual(['status-event-twice']);
    expect(kinds({ ...run, statusEvents: run.statusEvents.map((e) => (e.eventId === 'o3-e2' ? { ...e, from: 'payment_failed' } : e)) })).toEqual(['status-event-wrong']);
    expect(kinds({ ...run, statusEvents: [...run.statusEvents, { id: 'x', orderId: 'o1', from: 'payment_failed', to: 'payment_failed', eventId: 'o1-e3' }] })).toEqual(['status-event-unexpected']);
  });

  it('real-time: a missed change, a duplicate, a foreign order, seq going back, a reset', () => {
    const run = perfectRun();
    const [u1, u2] = run.clients!;
    const with1 = (client: ClientSeen) => ({ ...run, clients: [client, u2!] });
    expect(kinds(with1({ ...u1!, frames: u1!.frames.slice(1) }))).toEqual(['realtime-missed']);
    expect(kinds(with1({ ...u1!, frames: [...u1!.frames, { ...u1!.frames[0]!, seq: 999 }] }))).toEqual(['realtime-duplicate']);
    expect(kinds(with1({ ...u1!, frames: [...u1!.frames, { seq: 1000, orderId: 'o3', eventId: 'o3-e1', status: 'pending' }] }))).toEqual(['realtime-foreign']);
    const swapped = [...u1!.frames];
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    expect(kinds(with1({ ...u1!, frames: swapped }))).toEqual(['realtime-out-of-order']);
    expect(kinds(with1({ ...u1!, resets: 1 }))).toEqual(['realtime-reset']);
  });
});
