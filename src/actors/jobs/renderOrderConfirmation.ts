import type { OrderStatus, OrderView } from '../orderView.js';

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Money in integer cents as `€12.50`: the amounts a customer reads. */
export function formatMoney(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The order confirmation: the order id, every line (product, quantity, unit price, line total),
 * the total, the payment and the status, as plain text and as HTML (every value escaped: product
 * ids come from producers). Pure: the same order renders the same email.
 */
export function renderOrderConfirmation(view: OrderView, status: OrderStatus): RenderedEmail {
  const money = (cents: number) => formatMoney(cents, view.currency);
  const lines = view.items.map((item) => ({
    productId: item.productId,
    quantity: item.quantity,
    unit: money(item.priceCents),
    total: money(item.priceCents * item.quantity),
  }));
  const subject = `Order ${view.orderId} confirmed: ${money(view.totalCents)}`;
  const paid = view.payment ? `Payment ${view.payment.paymentId}: ${money(view.payment.amountCents)}` : 'Payment: not received yet';
  const text = [
    `Thank you for your order ${view.orderId}.`,
    '',
    ...lines.map((l) => `${l.quantity} x ${l.productId} at ${l.unit} = ${l.total}`),
    '',
    `Total: ${money(view.totalCents)}`,
    paid,
    `Status: ${status}`,
    `Ordered at: ${view.createdAt}`,
    '',
  ].join('\n');
  const rows = lines
    .map((l) => `<tr><td>${escapeHtml(l.productId)}</td><td>${l.quantity}</td><td>${escapeHtml(l.unit)}</td><td>${escapeHtml(l.total)}</td></tr>`)
    .join('');
  const html = [
    '<!doctype html><html><body>',
    `<h1>Thank you for your order ${escapeHtml(view.orderId)}</h1>`,
    `<table><thead><tr><th>Product</th><th>Quantity</th><th>Unit price</th><th>Line total</th></tr></thead><tbody>${rows}</tbody></table>`,
    `<p>Total: <strong>${escapeHtml(money(view.totalCents))}</strong></p>`,
    `<p>${escapeHtml(paid)}</p>`,
    `<p>Status: ${escapeHtml(status)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
