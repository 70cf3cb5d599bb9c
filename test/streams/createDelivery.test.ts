import { describe, expect, it } from 'vitest';
import { createDelivery } from '../../src/streams/createDelivery.js';
import { SettlementError } from '../../src/streams/delivery.js';

const message = { body: new Uint8Array(), headers: {} };
const origin = { gateway: 'test', channel: 'c', coordinates: {}, attempt: 1, receivedAt: 0 };
const reason = { code: 'validation' as const, message: 'bad', attempts: 1 };

function recording(deadLetterFails = false) {
  const calls: string[] = [];
  const delivery = createDelivery(message, origin, {
    ack: async () => void calls.push('ack'),
    retry: async (ms) => void calls.push(`retry ${ms}`),
    deadLetter: async () => {
      calls.push('deadLetter');
      if (deadLetterFails) throw new Error('dlq refused');
    },
  });
  return { delivery, calls };
}

describe('createDelivery - settlement', () => {
  it('lets exactly one settlement through to the broker', async () => {
    const { delivery, calls } = recording();
    await delivery.ack();
    await expect(delivery.ack()).rejects.toBeInstanceOf(SettlementError);
    await expect(delivery.retry(10)).rejects.toThrow('already settled with ack; retry refused');
    await expect(delivery.deadLetter(reason)).rejects.toBeInstanceOf(SettlementError);
    expect(calls).toEqual(['ack']);
    expect(delivery.settled).toBe(true);
  });

  it('leaves the delivery unsettled when the broker refuses a dead letter, so it can be handed back', async () => {
    const { delivery, calls } = recording(true);
    await expect(delivery.deadLetter(reason)).rejects.toThrow('dlq refused');
    expect(delivery.settled).toBe(false);
    await delivery.retry(1000);
    expect(calls).toEqual(['deadLetter', 'retry 1000']);
    await expect(delivery.ack()).rejects.toBeInstanceOf(SettlementError);
  });
});
