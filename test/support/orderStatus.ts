import { bearer } from './auth.js';

/**
 * Polls `GET /orders/:id` until the order has `want` status, and returns the last status seen.
 * Bounded (about `timeoutMs`), so a lost event fails the test instead of hanging it. Reads as an
 * admin of `TEST_JWT_SECRET`: the Orderly under test must have `testAuthEnv` in its settings.
 */
export async function statusOf(baseUrl: string, orderId: string, want: string, timeoutMs = 10_000): Promise<string | undefined> {
  let status: string | undefined;
  const deadline = Date.now() + timeoutMs;
  const headers = await bearer('test-admin', 'admin');
  while (status !== want && Date.now() < deadline) {
    const response = await fetch(`${baseUrl}/orders/${orderId}`, { headers });
    if (response.ok) status = ((await response.json()) as { status: string }).status;
    if (status !== want) await new Promise((r) => setTimeout(r, 20));
  }
  return status;
}
