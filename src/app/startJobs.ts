import { within } from '../domain/within.js';
import type { FastifyInstance } from 'fastify';
import { Observable, type Subscription } from 'rxjs';
import { createActor, fromObservable } from 'xstate';
import type { OrderChange } from '../actors/decideOrder.js';
import type { ClusterBus } from '../actors/hub/clusterBus.js';
import { createJobPool, type JobPool } from '../actors/jobs/createJobPool.js';
import { createSupervisorLogic, type ChildSpec } from '../actors/supervision/index.js';
import { createEmailJob, emailInput } from '../actors/jobs/emailJob.js';
import { createEnsureEnqueued, createTaskEnqueuer, type TaskEnqueuer } from '../actors/jobs/enqueueTask.js';
import type { JobHandler } from '../actors/jobs/jobHandler.js';
import type { MailSender } from '../actors/jobs/mailSender.js';
import type { OrderScan } from '../actors/jobs/orderScan.js';
import { paidOrderEmails } from '../actors/jobs/paidOrderEmails.js';
import { createReportJob, reportInput } from '../actors/jobs/reportJob.js';
import { taskChangeMessage } from '../actors/jobs/taskChangeMessage.js';
import { ownerOf } from '../actors/jobs/taskOwnership.js';
import { taskView } from '../actors/jobs/taskView.js';
import type { OrderStore } from '../actors/orderStore.js';
import type { TaskRecord, TaskStore } from '../actors/taskStore.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { createOutboxMailer } from '../gateways/email/createOutboxMailer.js';
import { createSmtpMailer } from '../gateways/email/createSmtpMailer.js';
import type { HttpAuth } from '../gateways/http/auth/index.js';
import { registerTaskRoutes, TASK_TYPES } from '../gateways/http/taskRoutes.js';
import { createMemoryBroker } from '../gateways/memory/index.js';
import { createMemoryTaskStore } from '../gateways/memory/createMemoryTaskStore.js';
import { createRabbitMqGateway } from '../gateways/rabbitmq/createRabbitMqGateway.js';
import { createRedisOrderScan } from '../gateways/redis/createRedisOrderScan.js';
import { createRedisTaskStore } from '../gateways/redis/createRedisTaskStore.js';
import { retrySchedule } from '../streams/retrySchedule.js';
import type { LogPort } from '../streams/logPort.js';
import type { Source } from '../streams/source.js';
import { createBrokerGateway, type BrokerGateway } from './brokerGateway.js';
import { consumePaidEmails } from './consumePaidEmails.js';
import { crashSwitch, type ReachCrashPoint } from './crashPoints.js';
import type { Config, SourceName } from './config.js';

/** The settings the jobs read: all of `config.ts` (the `ORDERLY_JOBS_*`, email and task ones, and the stores'). */
export type JobsConfig = Config;

export interface JobsDeps {
  readonly logger: LogPort;
  /** Read side of the orders, for emails (`pipeline.store`). */
  readonly orders: Pick<OrderStore, 'load'>;
  /** Every stored order, for reports: the embedded store scans itself (`pipeline.store`); made from REDIS_URL for `ORDERLY_STORE=redis` when not given. */
  readonly orderScan?: OrderScan;
  /** Applied order changes (`pipeline.changes$`): a change to `paid` enqueues the confirmation email. */
  readonly changes$?: Observable<OrderChange>;
  /** The hub's cluster bus: task progress goes out on `tasks:<taskId>`. Unset: no live progress. */
  readonly hubBus?: Pick<ClusterBus, 'publish'>;
  /** Bearer tokens for the task routes. */
  readonly auth?: Pick<HttpAuth, 'verifyAuthorization'>;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /** The broker gateway to use instead of making one (tests, a restart); its owner closes it. */
  readonly gateway?: BrokerGateway;
  /** The task store to use instead of making one; its owner closes it. */
  readonly taskStore?: TaskStore;
  /** Where the `order.status-changed` events can be read back (the pipeline's publisher): with status events on, paid orders' emails are enqueued from them. */
  readonly statusSource?: Source;
  /** Called once if the jobs supervisor gives up (the task source failed past its intensity). */
  readonly onFatal?: (error: unknown) => void;
  /** Where emails go instead of the outbox or SMTP. */
  readonly mailer?: MailSender;
  /**
   * Who runs the jobs supervisor (`child`). `own`: started here, `onFatal` when it gives up.
   * `caller`: nothing runs until the caller's supervisor (Orderly's root) starts `child`. @default 'own'
   */
  readonly supervisor?: 'own' | 'caller';
  /** Told every task status change (the metrics' counter). */
  readonly onTaskChange?: (record: TaskRecord) => void;
}

export interface Jobs {
  /** The jobs supervisor (the pool, the paid-order emails) as a child of a tree. */
  readonly child: ChildSpec;
  readonly pool: JobPool;
  readonly store: TaskStore;
  readonly gateway: BrokerGateway;
  readonly enqueue: TaskEnqueuer;
  /** The channel (routing key) of a task type. */
  channelOf(type: string): string;
  /** `POST /tasks` and `GET /tasks/:id` in their own authenticated scope; call before `listen`. */
  registerRoutes(app: FastifyInstance): void;
  /**
   * Stops taking order changes, lets running tasks finish within `timeoutMs` (the rest go back to
   * the broker), then closes what it made. Idempotent.
   */
  stop(timeoutMs: number): Promise<void>;
  /** Like a crash: the pool unsubscribes at once (its deliveries go back), nothing waits. */
  abandon(): void;
}

/** The jobs cannot start with this configuration; the message says what is missing. */
export class JobsStartError extends Error {
  override readonly name = 'JobsStartError';
}

/**
 * The jobs of issue 5, built from the configuration: the task store, the broker gateway the
 * tasks travel through (on RabbitMQ a second gateway on the `tasks` exchange, routing key = type),
 * the email and report handlers, the job pool (restarted with backoff when its source fails), the
 * paid-order emails and progress on the hub. Nothing is consumed before `prepare` has made the
 * channels exist, so a task published once this resolves is never dropped.
 */
export async function startJobs(config: JobsConfig, deps: JobsDeps): Promise<Jobs> {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger;
  const owned: { close(): unknown }[] = [];
  const closeOwned = async () => {
    for (const thing of owned.reverse()) await Promise.resolve(thing.close()).catch(() => undefined);
  };
  try {
    const store = deps.taskStore ?? own(owned, makeTaskStore(config, clock));
    const gateway = deps.gateway ?? own(owned, makeGateway(config, clock, log));
    const orderScan = deps.orderScan ?? makeOrderScan(config, owned);
    const mailer = deps.mailer ?? makeMailer(config, owned);
    const prefix = (config.ORDERLY_CHANNEL_PREFIX ?? '') + (usesRabbitExchange(config, deps) ? '' : config.ORDERLY_JOBS_CHANNEL_PREFIX);
    const channelOf = (type: string) => prefix + type;
    const channels = TASK_TYPES.map(channelOf);
    await gateway.prepare(channels);

    // Progress goes to the hub bus with a bound on what is on its way, as order changes do.
    let publishing = 0;
    const onChange = (record: TaskRecord) => {
      deps.onTaskChange?.(record);
      if (!deps.hubBus) return;
      if (publishing >= config.ORDERLY_HUB_MAX_PENDING) {
        log.warn({ taskId: record.taskId }, 'hub bus saturated: task progress not sent live');
        return;
      }
      publishing++;
      deps.hubBus
        .publish(taskChangeMessage(record))
        .catch((error: unknown) => log.warn({ err: error, taskId: record.taskId }, 'hub bus refused task progress'))
        .finally(() => publishing--);
    };

    const recipient = config.ORDERLY_EMAIL_TO;
    const reach = crashSwitch(config.ORDERLY_TEST_CRASH_AT);
    const handlers = {
      email: afterRun(createEmailJob({ orders: deps.orders, mailer, from: config.ORDERLY_EMAIL_FROM, recipientFor: (userId) => recipient.replaceAll('{userId}', userId) }), reach),
      report: afterRun(createReportJob({ orders: orderScan }), reach),
    };
    const retryDelay = retrySchedule({ baseDelayMs: config.ORDERLY_JOBS_RETRY_BASE_MS, maxDelayMs: config.ORDERLY_JOBS_RETRY_MAX_MS });
    const pool = createJobPool(
      {
        channels,
        group: config.ORDERLY_JOBS_GROUP,
        concurrency: config.ORDERLY_JOBS_CONCURRENCY,
        credit: config.ORDERLY_JOBS_CREDIT,
        maxAttempts: config.ORDERLY_JOBS_MAX_ATTEMPTS,
        maxBodyBytes: config.ORDERLY_MAX_BODY_BYTES,
        channelPrefix: prefix,
      },
      { source: gateway, store, handlers, retryDelay, clock, onChange, log },
    );
    const enqueue = createTaskEnqueuer({ store, sink: gateway, channelOf, clock, ...(deps.newId ? { newId: deps.newId } : {}), onChange });
    const ensureEnqueued = createEnsureEnqueued({ store, sink: gateway, channelOf, clock, onChange });

    // Crash-safe where it can be: with status events on, a paid order's email is enqueued from its
    // `order.status-changed` event (written with the order, delivered at least once); on the
    // embedded broker, from the in-process change (a crash there loses everything anyway).
    const paidFromStatus = config.ORDERLY_JOBS_PAID_EMAIL && config.ORDERLY_STATUS_EVENTS && deps.statusSource !== undefined;

    // The jobs supervisor: a pool whose source failed (connection lost, broker restarted) is
    // started again with backoff; what it had handed out comes back from the broker and the task
    // store makes that harmless. Past the intensity it gives up, and the app shuts down (exit 1).
    const supervisedByCaller = deps.supervisor === 'caller';
    const logic = createSupervisorLogic({
        strategy: 'one-for-one',
        intensity: config.ORDERLY_SOURCE_RESTART_INTENSITY,
        periodMs: config.ORDERLY_SOURCE_RESTART_PERIOD_MS,
        backoff: { baseMs: config.ORDERLY_RETRY_BASE_MS, maxMs: config.ORDERLY_RETRY_MAX_MS },
        children: [
          {
            id: 'pool',
            logic: fromObservable(() => new Observable<never>((subscriber) => pool.start({ onError: (error) => subscriber.error(error) }))),
          },
          ...(paidFromStatus && deps.statusSource
            ? [
                {
                  id: 'paid-emails',
                  logic: fromObservable(() =>
                    consumePaidEmails(
                      deps.statusSource!,
                      { channel: (config.ORDERLY_CHANNEL_PREFIX ?? '') + config.ORDERLY_STATUS_CHANNEL, group: `${config.ORDERLY_JOBS_GROUP}-paid-emails`, credit: config.ORDERLY_JOBS_CREDIT },
                      { ensureEnqueued, orders: deps.orders, retryDelay, log },
                    ),
                  ),
                },
              ]
            : []),
        ],
        onNotice: (notice) => {
          if (notice.type === 'supervisor.child.exited' && notice.exit === 'error') {
            log.warn({ err: notice.error, restartInMs: notice.restartInMs }, 'job source failed; the supervisor restarts the pool');
          }
          // Under a caller's supervisor the escalation is that supervisor's to handle.
          if (notice.type === 'supervisor.escalated' && !supervisedByCaller) {
            log.error({ err: notice.error }, 'the jobs supervisor gives up');
            deps.onFatal?.(notice.error);
          }
        },
      });
    const supervisor = supervisedByCaller ? undefined : createActor(logic, { clock, id: 'jobs', systemId: 'jobs' });
    supervisor?.subscribe({ error: () => undefined }); // reported through onFatal
    supervisor?.start();

    const emails = paidOrderEmails({
      enqueue,
      maxPending: config.ORDERLY_HUB_MAX_PENDING,
      onSkipped: (orderId, error) => log.warn({ orderId, err: error }, 'confirmation email not enqueued'),
    });
    const paid: Subscription | undefined = config.ORDERLY_JOBS_PAID_EMAIL && !paidFromStatus ? deps.changes$?.subscribe((change) => emails.onChange(change)) : undefined;

    let stopping: Promise<void> | undefined;
    const stop = (timeoutMs: number) =>
      (stopping ??= (async () => {
        paid?.unsubscribe();
        const deadline = clock.now() + timeoutMs;
        await within(clock, emails.pending(), timeoutMs);
        const finished = await pool.drain(Math.max(0, deadline - clock.now()));
        if (!finished) log.warn({ running: pool.stats.running }, 'jobs still running at the deadline were handed back to the broker');
        supervisor?.stop();
        await closeOwned();
      })());

    return {
      child: { id: 'jobs', logic },
      pool,
      store,
      gateway,
      enqueue,
      channelOf,
      registerRoutes: (app) => {
        if (!deps.auth) throw new JobsStartError('registerRoutes needs deps.auth');
        registerTaskRoutes(app, {
          auth: deps.auth,
          tasks: store,
          enqueue,
          orders: deps.orders,
          checkPayload: (type, payload) => {
            const parsed = (type === 'email' ? emailInput : reportInput).safeParse(payload);
            return parsed.success ? undefined : parsed.error.issues.map((i) => `${['payload', ...i.path].join('.')}: ${i.message}`).join('; ');
          },
          ownerOf,
          view: taskView,
        });
      },
      stop,
      abandon: () => {
        paid?.unsubscribe();
        supervisor?.stop();
        pool.abandon();
      },
    };
  } catch (error) {
    await closeOwned();
    throw error;
  }
}

function own<T extends { close(): unknown }>(owned: { close(): unknown }[], thing: T): T {
  owned.push(thing);
  return thing;
}

/** Whether the tasks go through their own RabbitMQ exchange, where the routing key is the bare type. */
function usesRabbitExchange(config: JobsConfig, deps: JobsDeps): boolean {
  return deps.gateway === undefined && jobsSource(config) === 'rabbitmq';
}

function jobsSource(config: JobsConfig): SourceName {
  return config.ORDERLY_JOBS_SOURCE ?? config.ORDERLY_PUBLISH_TO ?? config.ORDERLY_SOURCES[0]!;
}

function makeGateway(config: JobsConfig, clock: Clock, log: LogPort): BrokerGateway {
  const source = jobsSource(config);
  switch (source) {
    case 'rabbitmq':
      // A second gateway: its own exchange and queues, so the order flow's topology is untouched.
      return createRabbitMqGateway(
        {
          url: config.AMQP_URL,
          connectionName: `${config.ORDERLY_AMQP_CONNECTION_NAME}-jobs`,
          exchange: config.ORDERLY_JOBS_EXCHANGE,
          deadLetterExchange: `${config.ORDERLY_JOBS_EXCHANGE}.dlx`,
          queuePrefix: config.ORDERLY_JOBS_CHANNEL_PREFIX,
        },
        { clock },
      );
    case 'memory':
      return createMemoryBroker({ maxChannelDepth: config.ORDERLY_MEMORY_MAX_DEPTH, clock });
    default:
      return createBrokerGateway(source, config, clock, log);
  }
}

function makeTaskStore(config: JobsConfig, clock: Clock): TaskStore & { close(): unknown } {
  if (config.ORDERLY_STORE === 'redis') {
    return createRedisTaskStore({ redis: config.REDIS_URL, keyPrefix: config.ORDERLY_REDIS_KEY_PREFIX, retentionMs: config.ORDERLY_TASK_RETENTION_MS }, { clock });
  }
  const store = createMemoryTaskStore({ maxTasks: config.ORDERLY_MEMORY_MAX_TASKS, retentionMs: config.ORDERLY_TASK_RETENTION_MS }, { clock });
  return Object.assign(store, { close: () => undefined });
}

function makeOrderScan(config: JobsConfig, owned: { close(): unknown }[]): OrderScan {
  if (config.ORDERLY_STORE !== 'redis') {
    throw new JobsStartError('reports need to read every order: give startJobs deps.orderScan (the embedded order store the pipeline writes to)');
  }
  return own(owned, createRedisOrderScan({ redis: config.REDIS_URL, keyPrefix: config.ORDERLY_REDIS_KEY_PREFIX }));
}

function makeMailer(config: JobsConfig, owned: { close(): unknown }[]): MailSender {
  if (config.SMTP_URL) return own(owned, createSmtpMailer({ url: config.SMTP_URL }));
  return createOutboxMailer({ dir: config.ORDERLY_EMAIL_OUTBOX_DIR });
}


/** The handler with the `task.mid-run` crash point after its work and before the task is recorded finished. */
function afterRun(handler: JobHandler, reach: ReachCrashPoint): JobHandler {
  return {
    run: async (input, context) => {
      const result = await handler.run(input, context);
      reach('task.mid-run');
      return result;
    },
  };
}
