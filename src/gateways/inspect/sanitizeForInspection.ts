/**
 * What the inspector may see of an actor's context or event: ids, types, states, codes, numbers
 * and flags — never tokens, names, addresses or e-mail addresses, and never the live objects
 * (sessions, sockets, stores) some contexts hold, which are summarised by their kind or size.
 */
export function sanitizeForInspection(value: unknown, key = '', depth = 0): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return SHOWN_STRING_KEY.test(key) ? value.slice(0, 200) : '[hidden]';
  if (typeof value !== 'object') return undefined; // functions, symbols, bigints
  if (depth >= MAX_DEPTH) return '[…]';
  if (value instanceof Map || value instanceof Set) return { size: value.size };
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((item) => sanitizeForInspection(item, key, depth + 1));
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== Object.prototype && prototype !== null) return `[${(value.constructor as { name?: string } | undefined)?.name ?? 'object'}]`;
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEY.test(k)) continue;
    const shown = sanitizeForInspection(v, k, depth + 1);
    if (shown !== undefined) result[k] = shown;
  }
  return result;
}

const MAX_DEPTH = 5;
const MAX_ITEMS = 20;
/** Strings shown as they are: identifiers and enumerations. */
const SHOWN_STRING_KEY = /(^|[a-z_])(id|Id|ID|ids)$|^(type|status|state|code|topic|currency|role|reason|kind|channel|source|exit)$/;
/** Keys dropped whatever they hold. */
const SECRET_KEY = /token|ticket|secret|password|authorization|cookie/i;
