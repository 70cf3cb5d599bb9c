import type { Subscription } from 'rxjs';
import type { NatsCoreGateway } from '../../../src/gateways/nats/createNatsCoreGateway.js';
import type { Delivery } from '../../../src/streams/delivery.js';
import type { LogPort } from '../../../src/streams/logPort.js';
import type { ConsumeOptions, OutboundMessage } from '../../../src/streams/source.js';

/** Helpers shared by the core NATS gateway's own tests (the contract suite has its own). */
export const text = (d: Delivery) => new TextDecoder().decode(d.message.body);
export const outbound = (body: string, key = 'order-1'): OutboundMessage => ({ body: new TextEncoder().encode(body), headers: {}, key });

let counter = 0;
/** A subject unique to this run: the server is shared. */
export const uniqueSubject = (what: string) => `orderly-test-${process.pid}-${Date.now().toString(36)}-${++counter}-${what}`;

export async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function staysTrue(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!check()) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

/** A LogPort that keeps every line, to assert what was said and how often. */
export function recordingLog() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, fields: fields as Record<string, unknown>, message });
  const log: LogPort = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

/** Subscribes and records deliveries, readiness and the end. */
export function consume(gateway: NatsCoreGateway, options: Omit<ConsumeOptions, 'onReady'>) {
  const deliveries: Delivery[] = [];
  let ready = 0;
  let completed = false;
  let error: unknown;
  const subscription: Subscription = gateway.consume({ ...options, onReady: () => ready++ }).subscribe({
    next: (d) => deliveries.push(d),
    error: (e: unknown) => (error = e),
    complete: () => (completed = true),
  });
  return { deliveries, subscription, readyCount: () => ready, done: () => completed, failed: () => error };
}
