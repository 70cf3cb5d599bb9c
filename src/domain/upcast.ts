import {
  CURRENT_VERSION,
  knownVersions,
  validateEventData,
  type EventDataMap,
  type EventType,
  type OrderCreatedV1,
} from './orderEvents.js';
import { quote } from './quote.js';
import { unknownVersionFailure, validationFailure, type ValidationFailure } from './validationResult.js';

export interface UpcastOptions {
  /**
   * ISO 4217 code given to an order.created v1 that carries no currency. It is validated with
   * the result, so an unknown code fails every such event: check it once at start-up.
   */
  readonly defaultCurrency: string;
}

export type UpcastResult =
  | { readonly ok: true; readonly version: number; readonly data: unknown }
  | { readonly ok: false; readonly code: 'unknown-version'; readonly message: string };

export type ReadResult<Data> = { readonly ok: true; readonly version: number; readonly data: Data } | ValidationFailure;

/** Turns valid data of version `from` into valid-shaped data of version `from + 1`. */
type Step = (data: unknown, options: UpcastOptions) => unknown;

/** The upcasters of each type, keyed by the version they start from. Every type chains to its current version. */
const STEPS: { readonly [T in EventType]: ReadonlyMap<number, Step> } = {
  'order.created': new Map<number, Step>([
    [
      1,
      (data, options) => {
        const v1 = data as OrderCreatedV1;
        return { ...v1, currency: v1.currency ?? options.defaultCurrency };
      },
    ],
  ]),
  'payment.completed': new Map(),
  'payment.failed': new Map(),
  'order.cancelled': new Map(),
  'order.shipped': new Map(),
};

/**
 * The version number `raw` names, if `type` has a schema for it: an integer, or a string of
 * decimal digits (headers carry strings). Anything else — `0`, `3`, `1.5`, `'abc'`, `'2.0'` —
 * is `undefined`; a version is never guessed.
 */
export function resolveVersion(type: EventType, raw: unknown): number | undefined {
  const version = typeof raw === 'string' && /^[0-9]{1,9}$/.test(raw) ? Number(raw) : raw;
  return typeof version === 'number' && knownVersions(type).includes(version) ? version : undefined;
}

function unknownVersionMessage(type: EventType, raw: unknown): string {
  return `${type} has no data version ${quote(raw)}; known versions: ${knownVersions(type).join(', ')}`;
}

/**
 * Brings `data`, already valid for `version` of `type`, up to the current version. It does not
 * validate: use `readEventData` for input from outside.
 */
export function upcast(type: EventType, version: unknown, data: unknown, options: UpcastOptions): UpcastResult {
  const from = resolveVersion(type, version);
  if (from === undefined) return { ok: false, code: 'unknown-version', message: unknownVersionMessage(type, version) };
  let current = data;
  for (let at = from; at < CURRENT_VERSION[type]; at += 1) {
    const step = STEPS[type].get(at);
    if (step === undefined) {
      return { ok: false, code: 'unknown-version', message: `${type} has no upcaster from version ${at}` };
    }
    current = step(current, options);
  }
  return { ok: true, version: CURRENT_VERSION[type], data: current };
}

/**
 * The one way to read event data from outside: validate against the schema of the version
 * received, upcast, then validate the result against the current schema (so what the upcast
 * filled in, e.g. the default currency, is checked too). The result is always the current version.
 */
export function readEventData<T extends EventType>(
  type: T,
  version: unknown,
  data: unknown,
  options: UpcastOptions,
): ReadResult<EventDataMap[T]> {
  const from = resolveVersion(type, version);
  if (from === undefined) return unknownVersionFailure(unknownVersionMessage(type, version));
  const received = validateEventData(type, from, data);
  if (!received.ok) return received;
  const target = CURRENT_VERSION[type];
  if (from === target) return { ok: true, version: target, data: received.data as EventDataMap[T] };

  const upcasted = upcast(type, from, received.data, options);
  if (!upcasted.ok) return unknownVersionFailure(upcasted.message);
  const current = validateEventData(type, target, upcasted.data);
  if (!current.ok) {
    return current.code === 'validation'
      ? validationFailure(current.issues, `after upcasting ${type} v${from} to v${target}: `)
      : current;
  }
  return { ok: true, version: target, data: current.data as EventDataMap[T] };
}
