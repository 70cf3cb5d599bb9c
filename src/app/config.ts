import { z } from 'zod';
import { isKnownCurrency } from '../domain/currency.js';
import { CRASH_POINTS, parseCrashPlan } from './crashPoints.js';
import { MIN_JWT_SECRET_BYTES, normaliseOrigin } from '../gateways/http/auth/index.js';

/**
 * Every setting Orderly reads, with its default and meaning. This table is the only place
 * that knows environment variable names; the README's configuration table is checked against
 * it by a test.
 */
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** The brokers Orderly can consume from. */
export const SOURCE_NAMES = ['memory', 'kafka', 'rabbitmq', 'nats', 'nats-core', 'redis', 'redis-list'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/** A comma-separated list with at least one item. */
const list = (what: string) =>
  z
    .string()
    .transform((text) => text.split(',').map((item) => item.trim()).filter((item) => item !== ''))
    .refine((items) => items.length > 0, `must name at least one ${what}`);

export const settings = {
  PORT: { schema: int(0, 65_535), default: '3000', doc: 'HTTP port for the API, SSE and WebSocket (0 picks a free one).' },
  HOST: { schema: z.string().min(1), default: '127.0.0.1', doc: 'Interface to listen on; `0.0.0.0` to accept remote connections.' },
  LOG_LEVEL: { schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info', doc: 'pino log level.' },
  LOG_FORMAT: {
    schema: z.enum(['auto', 'json', 'pretty'], { error: 'must be auto, json or pretty' }),
    default: 'auto',
    doc: 'Log lines as JSON, or human-readable through `pino-pretty`; `auto`: pretty when stdout is a terminal, JSON otherwise.',
  },
  ORDERLY_SOURCES: {
    schema: list('source').pipe(z.array(z.enum(SOURCE_NAMES, { error: `must each be one of ${SOURCE_NAMES.join(', ')}` }))),
    default: 'memory',
    doc: 'Where events come from, comma-separated: `memory` (embedded), `kafka`, `rabbitmq`, `nats` (JetStream), `nats-core` (core NATS, at-most-once), `redis` (Streams), `redis-list` (lists `queue:<type>`, for producers that `LPUSH`).',
  },
  ORDERLY_PUBLISH_TO: {
    schema: z.enum(SOURCE_NAMES, { error: `must be one of ${SOURCE_NAMES.join(', ')}` }).optional(),
    default: '',
    doc: 'Where `POST /orders` and `POST /events` publish; the first source when unset.',
  },
  ORDERLY_STORE: {
    schema: z.enum(['memory', 'redis'], { error: 'must be memory or redis' }),
    default: 'memory',
    doc: 'Where order state and dedup marks live: `memory` (embedded, lost on exit) or `redis`.',
  },
  REDIS_URL: { schema: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'), default: 'redis://127.0.0.1:6379', doc: 'Redis connection.' },
  ORDERLY_REDIS_KEY_PREFIX: { schema: z.string().min(1), default: 'orderly:', doc: 'Put before every key Orderly writes in Redis.' },
  KAFKA_BROKERS: { schema: list('broker'), default: '127.0.0.1:9092', doc: 'Kafka bootstrap brokers, comma-separated.' },
  KAFKA_SESSION_TIMEOUT_MS: {
    schema: int(6_000, 300_000),
    default: '30000',
    doc: 'How long the Kafka group waits for a silent member (a killed process) before its partitions go to the others.',
  },
  ORDERLY_AMQP_CONNECTION_NAME: { schema: z.string().min(1), default: 'orderly', doc: 'Name of Orderly’s RabbitMQ connection in `rabbitmqctl list_connections`.' },
  AMQP_URL: {
    schema: z.string().regex(/^amqps?:\/\//, 'must be an amqp:// or amqps:// URL'),
    default: 'amqp://guest:guest@127.0.0.1:5672',
    doc: 'RabbitMQ connection.',
  },
  NATS_URL: { schema: list('server'), default: 'nats://127.0.0.1:4222', doc: 'NATS servers, comma-separated.' },
  ORDERLY_NATS_STREAM: {
    schema: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, - or _'),
    default: 'ORDERS',
    doc: 'JetStream stream that captures the channels (subjects) and their `.dlq` subjects.',
  },
  ORDERLY_NATS_CORE_MAX_BUFFERED: {
    schema: int(0, 1_000_000),
    default: '10000',
    doc: 'Core NATS (`nats-core`): messages each consumer keeps waiting for credit; past it new ones are dropped, counted and logged (at-most-once).',
  },
  ORDERLY_CHANNELS: {
    schema: z
      .string()
      .transform((list) => list.split(',').map((c) => c.trim()).filter((c) => c !== ''))
      .refine((list) => list.length > 0, 'must name at least one channel')
      .refine((list) => new Set(list).size === list.length, 'must not name a channel twice'),
    default: 'orders,order.created,payment.completed,payment.failed,order.cancelled,order.shipped',
    doc: 'Channels consumed, comma-separated: the keyed `orders` channel (every type, per-order order) and one per type.',
  },
  ORDERLY_CHANNEL_PREFIX: {
    schema: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ., - or _').optional(),
    default: '',
    doc: 'Put before every channel name, to share a broker between deployments; a plain payload’s type is its channel name without it.',
  },
  ORDERLY_PUBLISH_CHANNEL: {
    schema: z.string().min(1),
    default: 'orders',
    doc: 'Channel the HTTP API publishes to; keyed, so one order’s events stay in order.',
  },
  ORDERLY_STATUS_EVENTS: {
    schema: z.enum(['auto', 'true', 'false'], { error: 'must be auto, true or false' }),
    default: 'auto',
    doc: 'Publish an `order.status-changed` CloudEvent for every status transition, through the transactional outbox (see Outbound status events). `auto`: on, unless Orderly publishes to the embedded broker, which nobody outside the process can read.',
  },
  ORDERLY_STATUS_CHANNEL: {
    schema: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ., - or _'),
    default: 'order.status',
    doc: 'Channel the `order.status-changed` events go to, on the `ORDERLY_PUBLISH_TO` broker (after `ORDERLY_CHANNEL_PREFIX`); must not be one of `ORDERLY_CHANNELS`.',
  },
  ORDERLY_OUTBOX_BATCH: {
    schema: int(1, 10_000),
    // A pass costs a few round trips whatever its size: with 100 per pass the relay fell behind
    // the transitions of a 60 s overload (near 2,000/s), the outbox filled and the pipeline waited.
    default: '1000',
    doc: 'Outbox entries the relay reads and publishes per pass; it must outpace the transitions, or the outbox fills and events wait for it.',
  },
  ORDERLY_OUTBOX_POLL_MS: {
    schema: int(10, 600_000),
    default: '1000',
    doc: 'How often the relay looks for outbox entries nobody woke it for (left by a crash or written by another instance); saves in the process wake it at once.',
  },
  ORDERLY_OUTBOX_MAX_PENDING: {
    schema: int(1, 100_000_000),
    default: '100000',
    doc: 'Most unpublished status events in the outbox; past it a transition is not stored and its event waits (retried with backoff for as long as it takes, never dead-lettered for it) while the broker keeps what follows: the status channel’s broker is down or slow.',
  },
  ORDERLY_CONSUMER_GROUP: { schema: z.string().min(1), default: 'orderly', doc: 'Consumer group name on the broker.' },
  ORDERLY_CREDIT: { schema: int(1, 100_000), default: '256', doc: 'Most unsettled deliveries in flight; the broker stops handing out more.' },
  ORDERLY_DEFAULT_CURRENCY: {
    schema: z.string().refine(isKnownCurrency, 'must be an ISO 4217 currency code such as EUR'),
    default: 'EUR',
    doc: 'Currency given to `order.created` v1 events, which have none.',
  },
  ORDERLY_MAX_BODY_BYTES: { schema: int(256, 64 * 1024 * 1024), default: '1048576', doc: 'Largest event accepted; larger ones are dead-lettered.' },
  ORDERLY_MAX_ATTEMPTS: { schema: int(1, 1000), default: '5', doc: 'Attempts for a transient failure before the event is dead-lettered.' },
  ORDERLY_RETRY_BASE_MS: { schema: int(1), default: '100', doc: 'First retry delay; doubles per attempt, with jitter.' },
  ORDERLY_RETRY_MAX_MS: { schema: int(1), default: '10000', doc: 'Longest retry delay.' },
  ORDERLY_MAX_LIVE_ORDERS: { schema: int(1), default: '10000', doc: 'Most order actors in memory; least recently used idle ones passivate.' },
  ORDERLY_ORDER_IDLE_MS: { schema: int(1), default: '60000', doc: 'An order actor idle this long passivates (its state stays stored).' },
  ORDERLY_STASH_MAX: { schema: int(0, 10_000), default: '32', doc: 'Events kept per order while waiting for its `order.created`.' },
  ORDERLY_STASH_MAX_AGE_MS: { schema: int(1), default: '600000', doc: 'A stashed event older than this is dead-lettered as an orphan.' },
  ORDERLY_APPLIED_IDS_MAX: { schema: int(1, 100_000), default: '256', doc: 'Message ids remembered per order for deduplication.' },
  ORDERLY_HISTORY_MAX: { schema: int(0, 10_000), default: '50', doc: 'History entries kept per order.' },
  ORDERLY_MEMORY_MAX_DEPTH: { schema: int(1), default: '100000', doc: 'Embedded broker: most messages waiting per channel and group.' },
  ORDERLY_MEMORY_COMPACT: {
    schema: z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true'),
    default: 'true',
    doc: 'Embedded store: keep records deflated (about a fifth of the memory, a little more CPU per write).',
  },
  ORDERLY_MEMORY_MAX_ORDERS: { schema: int(1), default: '2000000', doc: 'Embedded store: most orders kept.' },
  ORDERLY_JWT_SECRET: {
    schema: z
      .string()
      .refine((secret) => Buffer.byteLength(secret, 'utf8') >= MIN_JWT_SECRET_BYTES, `must be at least ${MIN_JWT_SECRET_BYTES} bytes (try: openssl rand -base64 32)`)
      .optional(),
    default: '',
    secret: true,
    doc: 'HS256 secret of the bearer tokens (`sub` = user id, `role` = `admin`, `producer` or user) and of real-time tickets; at least 32 bytes. Unset: `npm start` makes one for the run and prints a user and an admin token.',
  },
  ORDERLY_TICKET_TTL_MS: {
    schema: int(1000, 600_000),
    default: '30000',
    doc: 'Lifetime of a single-use ticket from `POST /realtime/ticket`, for browsers opening `/ws` or `/events/stream`.',
  },
  ORDERLY_MEMORY_MAX_TICKETS: {
    schema: int(1),
    default: '100000',
    doc: 'Embedded store: most used tickets remembered; size it above tickets per second × the ticket lifetime, or an old ticket could be used twice.',
  },
  ORDERLY_HUB_BUS: {
    schema: z.enum(['memory', 'redis', 'nats'], { error: 'must be memory, redis or nats' }),
    default: 'memory',
    doc: 'How order changes reach the real-time clients of every instance: `memory` (one process), `redis` (pub/sub on REDIS_URL, numbered by a Lua counter), `nats` (a memory JetStream stream on NATS_URL numbers them).',
  },
  ORDERLY_HUB_NATS_STREAM: {
    schema: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, - or _'),
    default: 'ORDERLY_HUB',
    doc: 'JetStream memory stream the `nats` hub bus numbers changes with.',
  },
  ORDERLY_HUB_MAX_PENDING: {
    schema: int(1, 1_000_000),
    default: '10000',
    doc: 'Changes on their way to the hub bus at once; past it a change is not sent live (clients that resume get the order’s snapshot) and a warning is logged.',
  },
  ORDERLY_HUB_PUBLISH_TIMEOUT_MS: {
    schema: int(1, 600_000),
    default: '2000',
    doc: 'Longest wait for the hub bus to take a change before its event is acked anyway; the change may then miss live clients (a warning is logged). Until then the ack waits, so a change lost in a crash is announced again by its redelivery.',
  },
  ORDERLY_HUB_HISTORY: { schema: int(1, 100_000), default: '100', doc: 'Changes kept per topic for clients that resume (`since`, `Last-Event-ID`).' },
  ORDERLY_HUB_MAX_TOPICS: { schema: int(1, 1_000_000), default: '10000', doc: 'Topics with a history; the least recently written is forgotten first.' },
  ORDERLY_HUB_MAX_SESSIONS: { schema: int(1, 1_000_000), default: '20000', doc: 'WebSocket and SSE clients at once; past it a new one is refused.' },
  ORDERLY_HUB_MAX_SUBSCRIPTIONS: { schema: int(1, 10_000), default: '100', doc: 'Topics one connection may subscribe to.' },
  ORDERLY_HUB_SEND_QUEUE: { schema: int(1, 1_000_000), default: '1000', doc: 'Frames waiting for one slow client; past it the client is closed with 1013.' },
  ORDERLY_HUB_MAX_BUFFERED_BYTES: {
    schema: int(1024, 1_073_741_824),
    default: '4194304',
    doc: 'Bytes written to one client and not yet sent; past it the client is closed with 1013.',
  },
  ORDERLY_HUB_RATE_PER_SECOND: { schema: int(1, 100_000), default: '20', doc: 'Client frames per second one connection may send (token bucket).' },
  ORDERLY_HUB_RATE_BURST: { schema: int(1, 100_000), default: '50', doc: 'Client frames one connection may send in a burst.' },
  ORDERLY_WS_MAX_PAYLOAD_BYTES: { schema: int(256, 16_777_216), default: '65536', doc: 'Largest WebSocket frame a client may send; a larger one closes it (1009).' },
  ORDERLY_WS_HEARTBEAT_MS: { schema: int(100, 600_000), default: '30000', doc: 'WebSocket ping interval; a peer that missed the previous pong is closed.' },
  ORDERLY_SSE_HEARTBEAT_MS: { schema: int(100, 600_000), default: '15000', doc: 'SSE comment heartbeat interval.' },
  ORDERLY_ALLOWED_ORIGINS: {
    schema: list('origin')
      .refine((origins) => origins.every((origin) => normaliseOrigin(origin) !== undefined), 'must each be an origin such as https://shop.example (scheme, host, port; no path)')
      .optional(),
    default: '',
    doc: 'Browser origins, comma-separated, that may open `/ws` and `/events/stream` besides the server’s own; unset: no cross-origin page may. Requests without `Origin` (not a browser) pass.',
  },
  ORDERLY_JOBS_SOURCE: {
    schema: z.enum(SOURCE_NAMES, { error: `must be one of ${SOURCE_NAMES.join(', ')}` }).optional(),
    default: '',
    doc: 'Broker the tasks of `POST /tasks` travel through; unset: `ORDERLY_PUBLISH_TO`, else the first source.',
  },
  ORDERLY_JOBS_EXCHANGE: {
    schema: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ., - or _'),
    default: 'tasks',
    doc: 'RabbitMQ topic exchange of the tasks (routing key = task type, as in the Go original); dead letters go to `<exchange>.dlx`.',
  },
  ORDERLY_JOBS_CHANNEL_PREFIX: {
    schema: z.string().regex(/^[A-Za-z0-9._-]*$/, 'must be letters, digits, ., - or _'),
    default: 'tasks.',
    doc: 'Put before each task type: the RabbitMQ queue names (`tasks.email`), the channel names on other brokers.',
  },
  ORDERLY_JOBS_GROUP: { schema: z.string().min(1), default: 'orderly-jobs', doc: 'Consumer group of the job workers.' },
  ORDERLY_JOBS_CONCURRENCY: { schema: int(1, 1_000), default: '4', doc: 'Tasks running at once per instance.' },
  ORDERLY_JOBS_CREDIT: { schema: int(1, 100_000), default: '16', doc: 'Unsettled task deliveries per instance (running, waiting, waiting out a retry); at least the concurrency.' },
  ORDERLY_JOBS_MAX_ATTEMPTS: { schema: int(1, 100), default: '5', doc: 'Runs of one task, crashed ones included, before it is `dead` and dead-lettered.' },
  ORDERLY_JOBS_RETRY_BASE_MS: { schema: int(0, 3_600_000), default: '1000', doc: 'First retry delay of a failed task; doubles per attempt, with jitter.' },
  ORDERLY_JOBS_RETRY_MAX_MS: { schema: int(0, 86_400_000), default: '60000', doc: 'Longest retry delay of a failed task.' },
  ORDERLY_INSPECT: {
    schema: z.enum(['1', '0', 'true', 'false'], { error: 'must be 1, 0, true or false' }).transform((v) => v === '1' || v === 'true'),
    default: '0',
    doc: 'Send every actor\'s events (contexts sanitised: ids, states and numbers only) to the Stately inspector, through a bridge on 127.0.0.1 whose URL `npm start` prints.',
  },
  ORDERLY_INSPECT_PORT: { schema: int(0, 65_535), default: '8585', doc: 'Port of the inspector bridge on 127.0.0.1 when `ORDERLY_INSPECT` is on; `0` picks a free one.' },
  ORDERLY_JOBS_PAID_EMAIL: {
    schema: z.enum(['true', 'false'], { error: 'must be true or false' }).transform((v) => v === 'true'),
    default: 'true',
    doc: 'A paid order enqueues its confirmation email.',
  },
  ORDERLY_EMAIL_OUTBOX_DIR: { schema: z.string().min(1), default: 'outbox', doc: 'Directory the emails are written to (`<taskId>.eml`) when `SMTP_URL` is unset.' },
  SMTP_URL: {
    schema: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
    default: '',
    secret: true,
    doc: 'SMTP server for the emails (`smtp://user:pass@host:587`); unset: the outbox directory.',
  },
  ORDERLY_EMAIL_FROM: { schema: z.string().min(3), default: 'Orderly <orders@orderly.invalid>', doc: 'Sender of the emails.' },
  ORDERLY_EMAIL_TO: {
    schema: z.string().includes('{userId}', { error: 'must contain {userId}' }),
    default: '{userId}@example.com',
    doc: 'Recipient of a user’s emails, `{userId}` replaced (Orderly keeps no user directory).',
  },
  ORDERLY_MEMORY_MAX_TASKS: { schema: int(1, 100_000_000), default: '100000', doc: 'Embedded task store: most tasks kept (finished ones are dropped first).' },
  ORDERLY_TASK_RETENTION_MS: { schema: int(1_000), default: '86400000', doc: 'How long a finished task stays readable at `GET /tasks/:id`.' },
  ORDERLY_REDIS_CLAIM_IDLE_MS: {
    schema: int(100, 86_400_000),
    default: '30000',
    doc: 'Redis Streams source: how long an entry may stay delivered and unacked before another consumer of the group claims it; what a crashed consumer held comes back after this.',
  },
  ORDERLY_DLQ_MAX_ENTRIES: {
    schema: int(1, 10_000_000),
    default: '10000',
    doc: 'Most entries in the dead-letter index (`GET /dlq`, `orderly dlq`), kept in `ORDERLY_STORE`; past it the oldest is forgotten (its copy stays on the broker’s dead-letter channel).',
  },
  ORDERLY_DLQ_CONTEXT_HISTORY: { schema: int(0, 10_000), default: '20', doc: 'History entries of an order stored with a message quarantined from it.' },
  ORDERLY_SOURCE_RESTART_INTENSITY: {
    schema: int(0, 1_000),
    default: '10',
    doc: 'A failed source is restarted by its supervisor with backoff (`ORDERLY_RETRY_BASE_MS` doubling to `ORDERLY_RETRY_MAX_MS`); past this many restarts in `ORDERLY_SOURCE_RESTART_PERIOD_MS` Orderly gives up, shuts down cleanly and exits 1.',
  },
  ORDERLY_SOURCE_RESTART_PERIOD_MS: {
    schema: int(1_000, 86_400_000),
    default: '60000',
    doc: 'The window `ORDERLY_SOURCE_RESTART_INTENSITY` counts restarts in; with the default backoff, a broker down for about a minute stops Orderly.',
  },
  ORDERLY_TEST_CRASH_AT: {
    schema: z
      .string()
      .refine((text) => parseCrashPlan(text) !== undefined, `must be <point>:<n> with point one of ${CRASH_POINTS.join(', ')}`)
      .transform((text) => parseCrashPlan(text)!)
      .optional(),
    default: '',
    doc: 'For the crash tests only: `<point>:<n>` kills the process with SIGKILL the n-th time it reaches that point (`store.before-save`, `store.after-save`, `outbox.before-publish`, `outbox.before-remove`, `task.mid-run`). Never set it in production.',
  },
  ORDERLY_READY_MAX_INFLIGHT_AGE_MS: {
    schema: int(1_000, 86_400_000),
    default: '60000',
    doc: '`/readyz` fails while a delivery has been in flight (received, not settled) longer than this: a stuck order, store or broker.',
  },
  ORDERLY_READY_MAX_KAFKA_LAG: {
    schema: int(0, 1_000_000_000),
    default: '0',
    doc: '`/readyz` fails while the Kafka consumer group lags (summed over partitions) more than this many records behind; `0`: lag is not checked.',
  },
  ORDERLY_DRAIN_TIMEOUT_MS: {
    schema: int(0, 3_600_000),
    default: '10000',
    doc: 'On SIGTERM/SIGINT, how long in-flight work (deliveries, tasks, outbox) may take to finish before what is left goes back to the brokers.',
  },
} as const;

type Settings = typeof settings;
type RawConfig = { readonly [K in keyof Settings]: z.output<Settings[K]['schema']> };
/** The validated settings; `auto` values resolved. */
export type Config = Omit<RawConfig, 'ORDERLY_STATUS_EVENTS'> & {
  /** `ORDERLY_STATUS_EVENTS` with `auto` resolved: true when status events are published. */
  readonly ORDERLY_STATUS_EVENTS: boolean;
};

/** A setting has a value Orderly cannot use; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Reads and validates every setting at once, so one start reports every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, setting] of Object.entries(settings)) {
    const raw = env[name] ?? setting.default;
    const value = raw === '' ? setting.default : raw;
    const parsed = setting.schema.safeParse(value === '' ? undefined : value);
    if (parsed.success) values[name] = parsed.data;
    else {
      // A secret is never echoed, not even a wrong one: it may be a real one set in the wrong place.
      const shown = 'secret' in setting && setting.secret ? '(hidden)' : JSON.stringify(raw);
      problems.push(`${name}=${shown}: ${parsed.error.issues.map((i) => i.message).join(', ')}`);
    }
  }
  const raw = values as RawConfig;
  const publishesTo = raw.ORDERLY_PUBLISH_TO ?? raw.ORDERLY_SOURCES?.[0];
  const config: Config = {
    ...raw,
    // Status events on the embedded broker would only pile up: no other process can read them.
    ORDERLY_STATUS_EVENTS: raw.ORDERLY_STATUS_EVENTS === 'auto' ? publishesTo !== 'memory' : raw.ORDERLY_STATUS_EVENTS === 'true',
  };
  if (problems.length === 0 && config.ORDERLY_PUBLISH_TO !== undefined && !config.ORDERLY_SOURCES.includes(config.ORDERLY_PUBLISH_TO)) {
    problems.push(`ORDERLY_PUBLISH_TO (${config.ORDERLY_PUBLISH_TO}) must be one of ORDERLY_SOURCES (${config.ORDERLY_SOURCES.join(', ')}): Orderly would publish where it does not consume`);
  }
  if (problems.length === 0 && config.ORDERLY_RETRY_BASE_MS > config.ORDERLY_RETRY_MAX_MS) {
    problems.push(`ORDERLY_RETRY_BASE_MS (${config.ORDERLY_RETRY_BASE_MS}) must not exceed ORDERLY_RETRY_MAX_MS (${config.ORDERLY_RETRY_MAX_MS})`);
  }
  if (problems.length === 0 && config.ORDERLY_CREDIT > config.ORDERLY_MAX_LIVE_ORDERS) {
    problems.push(`ORDERLY_CREDIT (${config.ORDERLY_CREDIT}) must not exceed ORDERLY_MAX_LIVE_ORDERS (${config.ORDERLY_MAX_LIVE_ORDERS}): every in-flight order needs a live actor`);
  }
  if (problems.length === 0 && config.ORDERLY_STATUS_EVENTS && config.ORDERLY_CHANNELS.includes(config.ORDERLY_STATUS_CHANNEL)) {
    problems.push(`ORDERLY_STATUS_CHANNEL (${config.ORDERLY_STATUS_CHANNEL}) must not be one of ORDERLY_CHANNELS: Orderly would consume its own status events`);
  }
  if (problems.length === 0 && config.ORDERLY_JOBS_CREDIT < config.ORDERLY_JOBS_CONCURRENCY) {
    problems.push(`ORDERLY_JOBS_CREDIT (${config.ORDERLY_JOBS_CREDIT}) must be at least ORDERLY_JOBS_CONCURRENCY (${config.ORDERLY_JOBS_CONCURRENCY}): a running task holds a delivery`);
  }
  if (problems.length === 0 && config.ORDERLY_JOBS_RETRY_BASE_MS > config.ORDERLY_JOBS_RETRY_MAX_MS) {
    problems.push(`ORDERLY_JOBS_RETRY_BASE_MS (${config.ORDERLY_JOBS_RETRY_BASE_MS}) must not exceed ORDERLY_JOBS_RETRY_MAX_MS (${config.ORDERLY_JOBS_RETRY_MAX_MS})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
