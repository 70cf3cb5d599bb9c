import { describe, expect, it } from 'vitest';
import { orderChangeMessage } from '../../../src/actors/hub/orderChangeMessage.js';
import { view } from './hubHarness.js';

describe('order change message - what the pipeline publishes for the hub', () => {
  it('goes to the order, its user and admin:all, owned by the user, with the snapshot and the CloudEvent', () => {
    const envelope = {
      id: 'e-1',
      type: 'payment.completed',
      version: 1,
      key: 'o-1',
      correlationId: 'c-1',
      source: 'test',
      occurredAt: '2025-01-01T00:00:00Z',
      headers: {},
      data: { orderId: 'o-1', paymentId: 'p-1', amountCents: 100 },
    };
    const message = orderChangeMessage({ envelope, from: 'pending', to: 'paid', view: view('o-1', 'u-7') });
    expect(message.topics).toEqual(['order:o-1', 'user:u-7', 'admin:all']);
    expect(message.ownerId).toBe('u-7');
    expect(message.event).toEqual({
      snapshot: { ...view('o-1', 'u-7'), status: 'paid' },
      cloudEvent: expect.objectContaining({ specversion: '1.0', id: 'e-1', type: 'payment.completed', correlationid: 'c-1', partitionkey: 'o-1', data: envelope.data }),
    });
    expect(JSON.parse(JSON.stringify(message))).toEqual(message);
  });
});
