import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailJob, OrderNotYetKnownError } from '../../../src/actors/jobs/emailJob.js';
import { PermanentTaskError } from '../../../src/actors/jobs/jobHandler.js';
import type { OutgoingMail } from '../../../src/actors/jobs/mailSender.js';
import { renderOrderConfirmation } from '../../../src/actors/jobs/renderOrderConfirmation.js';
import type { OrderRecord } from '../../../src/actors/orderRecord.js';
import { createOutboxMailer } from '../../../src/gateways/email/createOutboxMailer.js';
import { createSmtpMailer, InvalidSmtpUrlError } from '../../../src/gateways/email/createSmtpMailer.js';

const order: OrderRecord = {
  orderId: 'o-42',
  version: 3,
  status: 'paid',
  appliedIds: [],
  stash: [],
  history: [],
  view: {
    orderId: 'o-42',
    userId: 'u7',
    items: [
      { productId: 'book<script>', quantity: 2, priceCents: 1250 },
      { productId: 'pen', quantity: 1, priceCents: 199 },
    ],
    totalCents: 2699,
    currency: 'EUR',
    createdAt: '2025-01-02T03:04:05Z',
    payment: { paymentId: 'pay-9', amountCents: 2699 },
  },
};
const context = { taskId: 'task-1', type: 'email', ownerId: 'u7', attempt: 1, signal: new AbortController().signal };

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('email - order confirmation', () => {
  it('renders the order id, every line, the total, the payment and the status; HTML is escaped', () => {
    const mail = renderOrderConfirmation(order.view!, 'paid');
    expect(mail.subject).toBe('Order o-42 confirmed: €26.99');
    expect(mail.text).toContain('2 x book<script> at €12.50 = €25.00');
    expect(mail.text).toContain('1 x pen at €1.99 = €1.99');
    expect(mail.text).toContain('Total: €26.99');
    expect(mail.text).toContain('Payment pay-9: €26.99');
    expect(mail.text).toContain('Status: paid');
    expect(mail.html).toContain('book&#60;script&#62;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('<strong>€26.99</strong>');
  });

  it('the email job sends it to the order owner’s address, with the task id as the mail id', async () => {
    const sent: OutgoingMail[] = [];
    const job = createEmailJob({
      orders: { load: async (id) => (id === 'o-42' ? order : undefined) },
      mailer: { send: async (mail) => (sent.push(mail), { deliveredTo: 'memory' }) },
      from: 'Orderly <orders@example.com>',
      recipientFor: (userId) => `${userId}@example.com`,
    });
    expect(await job.run({ orderId: 'o-42' }, context)).toEqual({ orderId: 'o-42', to: 'u7@example.com', subject: 'Order o-42 confirmed: €26.99', deliveredTo: 'memory' });
    expect(sent[0]).toMatchObject({ id: 'task-1', to: 'u7@example.com', from: 'Orderly <orders@example.com>' });
    await expect(job.run({ orderId: 'o-missing' }, context)).rejects.toBeInstanceOf(OrderNotYetKnownError);
    await expect(job.run({ order: 'o-42' }, context)).rejects.toBeInstanceOf(PermanentTaskError);
    await expect(job.run({ orderId: 'o-42', to: 'not an address' }, context)).rejects.toBeInstanceOf(PermanentTaskError);
  });

  it('the outbox writes one RFC 5322 file per mail id, replaced (not doubled) when sent again', async () => {
    dir = await mkdtemp(join(tmpdir(), 'orderly-outbox-'));
    const outbox = createOutboxMailer({ dir: join(dir, 'nested') });
    const mail = { id: 'task/1', from: 'orders@example.com', to: 'u7@example.com', ...renderOrderConfirmation(order.view!, 'paid') };
    const { deliveredTo } = await outbox.send(mail);
    await outbox.send(mail);
    expect(await readdir(join(dir, 'nested'))).toEqual(['task%2F1.eml']);
    expect(deliveredTo).toBe(join(dir, 'nested', 'task%2F1.eml'));
    const eml = await readFile(deliveredTo, 'utf8');
    expect(eml).toMatch(/^Subject: .*Order.o-42.confirmed/m); // MIME-encoded: the euro sign is not ASCII
    expect(eml).toMatch(/^To: u7@example.com$/m);
    expect(eml).toMatch(/^Message-ID: <task%2F1@orderly>$/m);
    expect(eml).toContain('Content-Type: text/html');
    expect(eml).toContain('Total:');
  });

  it('the SMTP mailer refuses a URL that is not smtp(s), and a send to a server that is not there rejects (transient)', async () => {
    expect(() => createSmtpMailer({ url: 'http://mail.example.com' })).toThrow(InvalidSmtpUrlError);
    const smtp = createSmtpMailer({ url: 'smtp://127.0.0.1:1', timeoutMs: 2_000 });
    await expect(smtp.send({ id: 't', from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't', html: '<p>t</p>' })).rejects.toThrow();
    smtp.close();
  });
});
