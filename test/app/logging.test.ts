import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createLogger, wantsPretty } from '../../src/app/createLogger.js';
import { createOrderly, type Orderly } from '../../src/app/createOrderly.js';
import { bearer, testAuthEnv } from '../support/auth.js';
import { until } from '../support/realtimeClient.js';

/** A JSON-lines destination the test reads back. */
function captured() {
  const lines: Array<Record<string, unknown>> = [];
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      const parts = text.split('\n');
      text = parts.pop() ?? '';
      for (const part of parts) if (part !== '') lines.push(JSON.parse(part) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

let orderly: Orderly | undefined;
afterEach(async () => {
  await orderly?.stop();
  orderly = undefined;
});

describe('logs - correlation from the log context', () => {
  it('a line logged while a message is handled names its correlation id, causation id, event id, type, order and source, though the call site gave none', async () => {
    const log = captured();
    orderly = await createOrderly(loadConfig({ PORT: '0', ...testAuthEnv }), { logger: createLogger({ level: 'debug', pretty: false, destination: log.stream }) });
    // A payment for an order that does not exist yet is stashed, and the handler says so at debug.
    const answer = await fetch(`${orderly.url}/events`, {
      method: 'POST',
      headers: { ...(await bearer('producer-1', 'producer')), 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'evt-log-1',
        source: '/test/logging',
        type: 'payment.completed',
        time: new Date().toISOString(),
        correlationid: 'corr-log-1',
        causationid: 'cause-log-1',
        dataschemaversion: 1,
        data: { orderId: 'o-log-1', paymentId: 'pay-1', amountCents: 700, currency: 'EUR' },
      }),
    });
    expect(answer.status).toBe(202);
    await until(() => log.lines.some((l) => l.msg === 'stashed until the order exists'), () => 'the stash line');
    const line = log.lines.find((l) => l.msg === 'stashed until the order exists')!;
    expect(line).toMatchObject({
      correlationId: 'corr-log-1',
      causationId: 'cause-log-1',
      eventId: 'evt-log-1',
      type: 'payment.completed',
      orderId: 'o-log-1',
      source: 'memory',
    });
    // Lines logged outside any message's handling carry none of it.
    expect(log.lines.filter((l) => l.msg !== 'stashed until the order exists').every((l) => l.eventId === undefined)).toBe(true);
  });

  it('every HTTP answer carries x-correlation-id: the caller’s when it sent one, a fresh one otherwise, and the order takes it along', async () => {
    orderly = await createOrderly(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...testAuthEnv }), { logger: createLogger({ level: 'silent', pretty: false }) });
    const health = await fetch(`${orderly.url}/healthz`, { headers: { 'x-correlation-id': 'corr-health' } });
    expect(health.headers.get('x-correlation-id')).toBe('corr-health');
    const fresh = await fetch(`${orderly.url}/readyz`);
    expect(fresh.headers.get('x-correlation-id')).toMatch(/^[\x21-\x7e]{8,}$/);
    const refused = await fetch(`${orderly.url}/orders/o-1`, { headers: { 'x-correlation-id': 'corr-401' } });
    expect([refused.status, refused.headers.get('x-correlation-id')]).toEqual([401, 'corr-401']);
    const order = { userId: 'u-corr', items: [{ productId: 'p', quantity: 1, priceCents: 700 }], totalCents: 700, currency: 'EUR' };
    const created = await fetch(`${orderly.url}/orders`, {
      method: 'POST',
      headers: { ...(await bearer('u-corr')), 'content-type': 'application/json', 'x-correlation-id': 'corr-order' },
      body: JSON.stringify(order),
    });
    expect(created.headers.get('x-correlation-id')).toBe('corr-order');
    expect(((await created.json()) as { correlationId: string }).correlationId).toBe('corr-order');
    // An id we cannot carry (control characters, too long) is replaced, not echoed.
    const odd = await fetch(`${orderly.url}/healthz`, { headers: { 'x-correlation-id': 'x'.repeat(300) } });
    expect(odd.headers.get('x-correlation-id')).not.toBe('x'.repeat(300));
  });
});

describe('logs - secrets and format', () => {
  it('never writes tokens, tickets, passwords, secrets or the authorization header', () => {
    const log = captured();
    const logger = createLogger({ level: 'info', pretty: false, destination: log.stream });
    logger.info({ token: 't0k3n', ticket: 'tkt-v4lue', password: 'pw', secret: 's3', req: { headers: { authorization: 'Bearer abc.def' } }, config: { ORDERLY_JWT_SECRET: 'jwt-s3cret' } }, 'with secrets');
    const text = JSON.stringify(log.lines);
    for (const secret of ['t0k3n', 'tkt-v4lue', '"pw"', 's3"', 'abc.def', 'jwt-s3cret']) expect(text).not.toContain(secret);
    expect(log.lines[0]).toMatchObject({ token: '[redacted]', req: { headers: { authorization: '[redacted]' } } });
  });

  it('is pretty on a terminal and JSON otherwise, unless LOG_FORMAT says', () => {
    expect([wantsPretty('auto', true), wantsPretty('auto', false), wantsPretty('json', true), wantsPretty('pretty', false)]).toEqual([true, false, false, true]);
  });
});
