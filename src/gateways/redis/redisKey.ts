/** A lone UTF-16 surrogate: text that has no UTF-8 form. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The Redis key of `id` in the `kind` namespace. ioredis sends strings as UTF-8, which turns every
 * lone surrogate into U+FFFD, so two different ids would share one key: a deduplicator would
 * call a new message a duplicate. Such ids go, base64 of their UTF-16, to a namespace of their
 * own (`<kind>~utf16:`) that no well-formed id can reach; all others keep a readable key.
 */
export function redisKeyOf(keyPrefix: string, kind: string, id: string): string {
  if (!LONE_SURROGATE.test(id)) return `${keyPrefix}${kind}:${id}`;
  return `${keyPrefix}${kind}~utf16:${Buffer.from(id, 'utf16le').toString('base64')}`;
}
