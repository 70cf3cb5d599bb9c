import { describe, expect, it } from 'vitest';
import { decodeListEntry, encodeListEntry, requeuedListEntry } from '../../../src/gateways/redis/redisListEntry.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('redis list entry - format', () => {
  it('round-trips body, lower-cased headers and key, starting at attempt 1', () => {
    const entry = encodeListEntry({ body: bytes('{"a":1}'), headers: { 'Content-Type': 'application/json', x: 'y' }, key: 'o-1' });
    expect(entry.toString('utf8').startsWith('ORDERLY/1 {')).toBe(true);
    const { message, attempt } = decodeListEntry(entry);
    expect(attempt).toBe(1);
    expect(message).toEqual({ body: new Uint8Array(bytes('{"a":1}')), headers: { 'content-type': 'application/json', x: 'y' }, key: 'o-1' });
  });

  it('keeps bytes that are not UTF-8 (base64) and counts every requeue', () => {
    const body = Buffer.from([0xc3, 0x28, 0xef, 0xbb, 0xbf]);
    const once = requeuedListEntry(encodeListEntry({ body, headers: {}, key: 'k' }));
    const twice = requeuedListEntry(once);
    expect(decodeListEntry(once).attempt).toBe(2);
    const decoded = decodeListEntry(twice);
    expect(decoded.attempt).toBe(3);
    expect(Buffer.from(decoded.message.body).equals(body)).toBe(true);
    expect(decoded.message.key).toBe('k');
  });

  it.each([
    ['plain JSON', '{"id":"e-1","type":"order.created"}'],
    ['a structured CloudEvent', '{"specversion":"1.0","id":"e-1","data":{}}'],
    ['the prefix with broken JSON', 'ORDERLY/1 {"body":'],
    ['the prefix with two bodies', 'ORDERLY/1 {"body":"a","bodyBase64":"YQ=="}'],
    ['the prefix with a bad attempt', 'ORDERLY/1 {"body":"a","attempt":0}'],
    ['the prefix with a header that is not a string', 'ORDERLY/1 {"body":"a","headers":{"x":1}}'],
    ['the prefix alone', 'ORDERLY/1 '],
  ])('reads %s as a bare body with no headers', (_, entry) => {
    expect(decodeListEntry(bytes(entry))).toEqual({ message: { body: new Uint8Array(bytes(entry)), headers: {} }, attempt: 1 });
  });

  it('wraps a requeued bare body so that only the count is added', () => {
    const requeued = requeuedListEntry(bytes('{"id":"e-9"}'));
    expect(requeued.toString('utf8')).toBe('ORDERLY/1 {"body":"{\\"id\\":\\"e-9\\"}","attempt":2}');
    expect(decodeListEntry(requeued)).toEqual({ message: { body: new Uint8Array(bytes('{"id":"e-9"}')), headers: {} }, attempt: 2 });
  });
});
