import { z } from 'zod';
import { isKnownCurrency } from './currency.js';
import { RFC3339_MESSAGE } from './dateTime.js';
import type { Envelope } from './envelope.js';
import { quote } from './quote.js';
import {
  issuesFromZod,
  unknownVersionFailure,
  validationFailure,
  type ValidationResult,
} from './validationResult.js';

/** Every event type Orderly consumes. A type not listed here is dead-lettered as `unknown-type`. */
export const EVENT_TYPES = [
  'order.created',
  'payment.completed',
  'payment.failed',
  'order.cancelled',
  'order.shipped',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

const EVENT_TYPE_SET: ReadonlySet<unknown> = new Set(EVENT_TYPES);

export function isEventType(value: unknown): value is EventType {
  return EVENT_TYPE_SET.has(value);
}

/** The data version every consumer sees after upcasting. Producers may still send older ones. */
export const CURRENT_VERSION: Readonly<Record<EventType, number>> = Object.freeze({
  'order.created': 2,
  'payment.completed': 1,
  'payment.failed': 1,
  'order.cancelled': 1,
  'order.shipped': 1,
});

// Field schemas. Messages are written for a dead letter's reader: `path: message`.

/** `is required` for a missing field, `wrong` for one of the wrong kind. */
const expected = (wrong: string) => ({
  error: (issue: { readonly input?: unknown }) => (issue.input === undefined ? 'is required' : wrong),
});

/** Surrounding whitespace is trimmed away (ids are compared as keys), then it must be non-empty. */
const text = (max: number) =>
  z
    .string(expected('must be a string'))
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

const id = text(200);
const reason = text(1000);

const positiveInteger = z
  .number(expected('must be a number'))
  .int('must be a positive integer')
  .positive('must be a positive integer');

/** Money is integer cents; `int()` also bounds it to the safe-integer range. */
const cents = z
  .number(expected('must be a number'))
  .int('must be a non-negative integer number of cents')
  .min(0, 'must be a non-negative integer number of cents');

const positiveCents = z
  .number(expected('must be a number'))
  .int('must be a positive integer number of cents')
  .positive('must be a positive integer number of cents');

const currency = z
  .string(expected('must be a string'))
  .refine(isKnownCurrency, { error: (issue) => `${quote(issue.input)} is not a known ISO 4217 currency code` });

const timestamp = z.iso.datetime({ offset: true, ...expected(RFC3339_MESSAGE) });

const line = z.object({ productId: id, quantity: positiveInteger, priceCents: cents }, expected('must be an object'));

const items = z
  .array(line, expected('must be a list'))
  .min(1, 'must have at least one item')
  .max(1000, 'must have at most 1000 items');

interface Totalled {
  readonly items: readonly { readonly quantity: number; readonly priceCents: number }[];
  readonly totalCents: number;
}

/**
 * Exact sum of the lines, in bigint so that no product rounds; `undefined` when there are no
 * lines (that is reported on its own) or a line's numbers are not integers.
 */
function sumOfLines(value: unknown): bigint | undefined {
  const candidate = value as Partial<Totalled> | undefined;
  if (!Array.isArray(candidate?.items) || candidate.items.length === 0) return undefined;
  let sum = 0n;
  for (const item of candidate.items as unknown[]) {
    const { quantity, priceCents } = (item ?? {}) as Partial<Totalled['items'][number]>;
    if (!Number.isSafeInteger(quantity) || !Number.isSafeInteger(priceCents)) return undefined;
    sum += BigInt(quantity as number) * BigInt(priceCents as number);
  }
  return sum;
}

/**
 * `totalCents` must be the exact sum of quantity × priceCents. The rule also runs when other
 * fields already failed (so one reason lists everything), as long as the numbers are integers.
 */
function withTotalRule<S extends z.ZodType<Totalled>>(schema: S): S {
  return schema.refine((value) => sumOfLines(value) === BigInt(value.totalCents), {
    path: ['totalCents'],
    error: (issue) => `must equal the sum of the lines (${String(sumOfLines(issue.input))})`,
    when: (payload) => {
      const value = payload.value as Partial<Totalled> | undefined;
      return Number.isSafeInteger(value?.totalCents) && sumOfLines(value) !== undefined;
    },
  });
}

const orderCreatedFields = { orderId: id, userId: id, items, totalCents: cents, timestamp };

/** order.created v1: the Go producers' shape, without currency; a currency given anyway is kept. */
const orderCreatedV1 = withTotalRule(
  z.object({ ...orderCreatedFields, currency: currency.optional() }, expected('must be an object')),
);
/** order.created v2: currency is required. */
const orderCreatedV2 = withTotalRule(z.object({ ...orderCreatedFields, currency }, expected('must be an object')));

const paymentCompletedV1 = z.object({ orderId: id, paymentId: id, amountCents: positiveCents }, expected('must be an object'));
const paymentFailedV1 = z.object({ orderId: id, paymentId: id, reason }, expected('must be an object'));
const orderCancelledV1 = z.object({ orderId: id, reason }, expected('must be an object'));
const orderShippedV1 = z.object({ orderId: id, carrier: text(200), trackingNumber: text(200) }, expected('must be an object'));

export type OrderCreatedV1 = z.output<typeof orderCreatedV1>;
export type OrderCreated = z.output<typeof orderCreatedV2>;
export type PaymentCompleted = z.output<typeof paymentCompletedV1>;
export type PaymentFailed = z.output<typeof paymentFailedV1>;
export type OrderCancelled = z.output<typeof orderCancelledV1>;
export type OrderShipped = z.output<typeof orderShippedV1>;

/** The current data shape of each type. */
export interface EventDataMap {
  'order.created': OrderCreated;
  'payment.completed': PaymentCompleted;
  'payment.failed': PaymentFailed;
  'order.cancelled': OrderCancelled;
  'order.shipped': OrderShipped;
}

/** The data shape of any version of `T` that Orderly accepts. */
export type AnyVersionData<T extends EventType> = T extends 'order.created' ? OrderCreated | OrderCreatedV1 : EventDataMap[T];

export type OrderEvent = { [T in EventType]: { readonly type: T; readonly data: EventDataMap[T] } }[EventType];

/** An envelope whose `type` tells its data's shape: narrow on `envelope.type`. */
export type OrderEnvelope = {
  [T in EventType]: Envelope<EventDataMap[T]> & { readonly type: T };
}[EventType];

/** Every version of every type that can be read. Keys are exact: 1.5 or '2' find nothing. */
const SCHEMAS: { readonly [T in EventType]: ReadonlyMap<number, z.ZodType> } = {
  'order.created': new Map<number, z.ZodType>([
    [1, orderCreatedV1],
    [2, orderCreatedV2],
  ]),
  'payment.completed': new Map([[1, paymentCompletedV1]]),
  'payment.failed': new Map([[1, paymentFailedV1]]),
  'order.cancelled': new Map([[1, orderCancelledV1]]),
  'order.shipped': new Map([[1, orderShippedV1]]),
};

/** The versions of `type` that have a schema, ascending. */
export function knownVersions(type: EventType): readonly number[] {
  return [...SCHEMAS[type].keys()].sort((a, b) => a - b);
}

/**
 * Validates `data` against the schema of exactly `version` of `type` (no upcasting; see
 * `readEventData` for that). Strings are trimmed and unknown keys stripped in the result.
 * A version without a schema is `unknown-version`, never the nearest one.
 */
export function validateEventData<T extends EventType>(
  type: T,
  version: number,
  data: unknown,
): ValidationResult<AnyVersionData<T>> {
  const schema = SCHEMAS[type].get(version);
  if (schema === undefined) {
    return unknownVersionFailure(
      `${type} has no data version ${quote(version)}; known versions: ${knownVersions(type).join(', ')}`,
    );
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, data: parsed.data as AnyVersionData<T> };
  return validationFailure(issuesFromZod(parsed.error.issues));
}

/**
 * The zod schema of exactly `version` of `type`, or `undefined` when there is none: for
 * describing the contract (the AsyncAPI and OpenAPI documents), never for validating (use `validateEventData`).
 */
export function eventDataSchema(type: EventType, version: number): z.ZodType | undefined {
  return SCHEMAS[type].get(version);
}
