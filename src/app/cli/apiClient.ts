/** Where the CLI finds Orderly and who it is there. */
export interface ApiTarget {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** An admin bearer token. */
  readonly token: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Longest one request may take. @default 30_000 */
  readonly timeoutMs?: number;
}

/** Orderly answered with an error status (or not at all); `status` is 0 when there was no answer. */
export class CliApiError extends Error {
  override readonly name = 'CliApiError';
  constructor(
    readonly status: number,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** One JSON request to Orderly's API with the admin token; the parsed answer, or `CliApiError`. */
export async function callApi<T>(target: ApiTarget, method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<T> {
  const url = new URL(path, target.url.endsWith('/') ? target.url : `${target.url}/`);
  let response: Response;
  try {
    response = await (target.fetch ?? fetch)(url, {
      method,
      headers: { authorization: `Bearer ${target.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(target.timeoutMs ?? 30_000),
    });
  } catch (cause) {
    throw new CliApiError(0, `${method} ${url.href}: no answer (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const detail = (parsed as { message?: unknown } | undefined)?.message;
    throw new CliApiError(response.status, `${method} ${url.pathname}: ${response.status} ${typeof detail === 'string' ? detail : text.slice(0, 200)}`);
  }
  return parsed as T;
}
