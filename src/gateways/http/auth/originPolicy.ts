/**
 * `scheme://host[:port]` of a browser origin, normalised as browsers send it (lower case, default
 * port left out), or `undefined` when `text` is not one (a path, a query, credentials, `null`,
 * a scheme other than http/https).
 */
export function normaliseOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return undefined;
  if (url.pathname !== '/' || /^[a-z]+:\/\/[^/]+\/./i.test(text)) return undefined;
  return url.origin;
}

/** Whether a request with this `Origin` and `Host` may open a real-time connection. */
export type OriginPolicy = (origin: string | undefined, host: string | undefined) => boolean;

/**
 * The defence against cross-site WebSocket hijacking (a page elsewhere opening a socket with the
 * visitor's credentials). Browsers always send `Origin` on a WebSocket and on a cross-site
 * EventSource, and a page cannot forge it, so:
 * - no `Origin`: not a browser (curl, a service); passes, the token alone decides;
 * - the server's own origin (`Origin`'s host equals `Host`): passes;
 * - an origin on `allowed` (`ORDERLY_ALLOWED_ORIGINS`): passes;
 * - anything else, `null` included: refused.
 */
export function createOriginPolicy(allowed: readonly string[]): OriginPolicy {
  const list = new Set(allowed.map((origin) => normaliseOrigin(origin) ?? origin));
  return (origin, host) => {
    if (origin === undefined) return true;
    const normalised = normaliseOrigin(origin);
    if (normalised === undefined) return false;
    if (list.has(normalised)) return true;
    if (host === undefined || host === '') return false;
    try {
      // The Host header in the origin's scheme, so `localhost:80` and `http://localhost` agree.
      return new URL(`${new URL(normalised).protocol}//${host}`).origin === normalised;
    } catch {
      return false;
    }
  };
}
