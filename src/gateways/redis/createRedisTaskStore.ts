import { systemClock, type Clock } from '../../domain/clock.js';
import {
  applyTaskChanges,
  checkExpectedVersion,
  checkNewTaskRecord,
  isFinishedTaskStatus,
  TaskExistsError,
  TaskNotFoundError,
  TaskVersionConflictError,
  type TaskRecord,
  type TaskStore,
} from '../../actors/taskStore.js';
import { openRedisStoreConnection } from './openRedisStoreConnection.js';
import { redisKeyOf } from './redisKey.js';
import { CorruptTaskRecordError } from './redisStoreErrors.js';
import { isPositiveMs, RedisStoreOptionsError, resolveRedisStoreOptions, type RedisStoreOptions } from './redisStoreOptions.js';
import { compareAndSetTask, createTask } from './taskScripts.js';

export interface RedisTaskStoreOptions extends RedisStoreOptions {
  /** How long a finished task (`succeeded`, `failed`, `dead`) is kept after the update that finished it (a key expiry). @default 86_400_000 (a day) */
  readonly retentionMs?: number;
}

export interface RedisTaskStore extends TaskStore {
  /**
   * Refuses new calls at once (`RedisStoreClosedError`), waits for those in flight, then quits
   * the connection if the store made it. A borrowed client is left open. Idempotent; never rejects.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The task store on Redis: one hash per task, `<keyPrefix>task:<taskId>` (`redisKeyOf`), with the fields
 * `version` (the compare-and-set token) and `record` (the record's JSON without its version).
 * `update` reads the task, applies the changes and checks the move here, then writes with a Lua
 * compare-and-set on the version it read: if the version still matches, what it checked is what
 * is stored. Only finished tasks carry a key expiry, so Redis itself forgets them. Failures of
 * Redis reject with `RedisStoreError`; nothing is retried here.
 */
export function createRedisTaskStore(options: RedisTaskStoreOptions, deps: { clock?: Clock } = {}): RedisTaskStore {
  const resolved = resolveRedisStoreOptions(options);
  const retentionMs = options.retentionMs ?? 86_400_000;
  if (!isPositiveMs(retentionMs)) throw new RedisStoreOptionsError(`retentionMs must be a positive integer, got ${retentionMs}`);
  const { redis, command, close } = openRedisStoreConnection('task', resolved, deps.clock ?? systemClock);
  const keyOf = (taskId: string) => redisKeyOf(resolved.keyPrefix, 'task', taskId);

  const read = async (operation: string, taskId: string): Promise<TaskRecord | undefined> => {
    const key = keyOf(taskId);
    const [version = null, json = null] = await command(operation, taskId, () => redis.hmget(key, 'version', 'record'));
    if (version === null && json === null) return undefined;
    const parsedVersion = Number(version);
    if (!Number.isSafeInteger(parsedVersion) || parsedVersion < 1) throw new CorruptTaskRecordError(taskId, key, `has version ${JSON.stringify(version)}`);
    if (json === null) throw new CorruptTaskRecordError(taskId, key, 'has no record field');
    let body: unknown;
    try {
      body = JSON.parse(json);
    } catch (cause) {
      throw new CorruptTaskRecordError(taskId, key, 'has a record that is not JSON', { cause });
    }
    return { ...(body as Omit<TaskRecord, 'version'>), version: parsedVersion };
  };
  /** The JSON stored: the record without its version, which lives in its own field. */
  const encode = ({ version: _version, ...body }: TaskRecord) => JSON.stringify(body);

  return {
    async create(record) {
      checkNewTaskRecord(record);
      const created = await command('create', record.taskId, () => createTask(redis, keyOf(record.taskId), encode(record)));
      if (!created) throw new TaskExistsError(record.taskId);
    },
    get: (taskId) => read('get', taskId),
    async update(taskId, expectedVersion, changes) {
      checkExpectedVersion(taskId, expectedVersion);
      const current = await read('update', taskId);
      if (!current) throw new TaskNotFoundError(taskId);
      if (current.version !== expectedVersion) throw new TaskVersionConflictError(taskId, expectedVersion, current.version);
      const next = applyTaskChanges(current, changes);
      const key = keyOf(taskId);
      const keepFor = isFinishedTaskStatus(next.status) ? retentionMs : 0;
      const json = encode(next);
      const result = await command('update', taskId, () => compareAndSetTask(redis, key, expectedVersion, json, keepFor));
      if (result.kind === 'unreadable') throw new CorruptTaskRecordError(taskId, key, 'has a version that is not a number');
      if (result.kind === 'conflict') {
        // Gone between the read and the write: it expired (or was deleted) meanwhile.
        if (result.actualVersion === 0) throw new TaskNotFoundError(taskId);
        throw new TaskVersionConflictError(taskId, expectedVersion, result.actualVersion);
      }
      return { ...(JSON.parse(json) as Omit<TaskRecord, 'version'>), version: next.version }; // what is stored, as `get` would give it
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
