import type { OrderRecord } from '../../actors/orderRecord.js';
import { packRecord, unpackRecord } from '../memory/recordCodec.js';
import { CorruptOrderRecordError } from './redisOrderStoreErrors.js';

/** The record as UTF-8 JSON: what a plain store writes, readable with `redis-cli HGET <key> record`. */
const PLAIN_FIELD = 'record';
/**
 * The record deflated with the embedded store's dictionary, as raw bytes. The dictionary is part
 * of this stored format: changing it needs a new field name, not an edit.
 */
const COMPACT_FIELD = 'recordDeflated';

/** One order's hash fields to write; `stale` names the field of the other form, deleted in the same script. */
export interface OrderHashWrite {
  readonly field: string;
  readonly value: Buffer;
  readonly stale: string;
}

export interface OrderHashCodec {
  /** The fields `load` asks for with `HMGET`, in the order `decode` expects them. */
  readonly fields: readonly [string, string, string];
  encode(record: OrderRecord): OrderHashWrite;
  /** The record, or undefined when the hash does not exist; `CorruptOrderRecordError` when it cannot be read. */
  decode(orderId: string, key: string, values: readonly (Buffer | null | undefined)[]): OrderRecord | undefined;
}

/**
 * How a record sits in its hash (`version`, and `record` or `recordDeflated`). A store writes the
 * form `compact` chooses and reads either, so `compact` can change on a live dataset.
 */
export function orderHashCodec(compact: boolean): OrderHashCodec {
  return {
    fields: ['version', PLAIN_FIELD, COMPACT_FIELD],
    encode: (record) =>
      compact
        ? { field: COMPACT_FIELD, value: Buffer.from(packRecord(record), 'latin1'), stale: PLAIN_FIELD }
        : { field: PLAIN_FIELD, value: Buffer.from(JSON.stringify(record), 'utf8'), stale: COMPACT_FIELD },
    decode(orderId, key, [version, plain, packed]) {
      if (!version && !plain && !packed) return undefined;
      const stored = plain ?? packed;
      if (!stored) throw new CorruptOrderRecordError(orderId, key, 'has a version but no record');
      let record: OrderRecord;
      try {
        record = plain ? (JSON.parse(stored.toString('utf8')) as OrderRecord) : unpackRecord(stored.toString('latin1'));
      } catch (cause) {
        throw new CorruptOrderRecordError(orderId, key, 'holds a record that cannot be decoded', { cause });
      }
      // The hash's version is the compare-and-set token; the record must agree with it.
      if (record?.orderId !== orderId || String(record.version) !== version?.toString('utf8')) {
        throw new CorruptOrderRecordError(orderId, key, `holds order ${record?.orderId} version ${record?.version} under version ${version?.toString('utf8')}`);
      }
      return record;
    },
  };
}
