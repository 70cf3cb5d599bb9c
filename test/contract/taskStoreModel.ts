import fc from 'fast-check';
import { TASK_STATUSES, type TaskChanges, type TaskJson, type TaskRecord } from '../../src/actors/taskStore.js';

// The reference model the task store contract checks every store against.

/**
 * The moves the job workers may make, written out here rather than read from the port, so that a
 * change to the port's table is a change to this contract too.
 */
export const LEGAL = new Set([
  'queued>queued', 'queued>running', 'queued>dead',
  'running>running', 'running>succeeded', 'running>failed', 'running>queued', 'running>dead',
  'failed>failed', 'failed>queued', 'failed>dead',
]);
/** Any JSON value, `-0` included (JSON has no -0: stores give back 0, as JSON does). */
export const json = (maxDepth: number) => fc.jsonValue({ maxDepth }) as fc.Arbitrary<TaskJson>;

export type TaskOperation =
  | { readonly kind: 'get'; readonly task: number }
  | { readonly kind: 'create'; readonly task: number }
  | { readonly kind: 'update'; readonly task: number; readonly versionOffset: number; readonly changes: Omit<TaskChanges, 'updatedAt'> };

/** One step of a random sequence, on one of three tasks; updates mostly with the right version. */
export const taskOperation: fc.Arbitrary<TaskOperation> = fc.oneof(
  fc.record({ kind: fc.constant('get' as const), task: fc.nat(2) }),
  fc.record({ kind: fc.constant('create' as const), task: fc.nat(2) }),
  fc.record({
    kind: fc.constant('update' as const),
    task: fc.nat(2),
    versionOffset: fc.constantFrom(0, 0, 0, -1, 1),
    changes: fc.record(
      {
        status: fc.constantFrom(...TASK_STATUSES),
        attempts: fc.nat(5),
        error: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
        result: fc.option(json(1), { nil: undefined }),
      },
      { requiredKeys: [] },
    ),
  }),
);

/**
 * The reference model of an update: changes over the record, a field given as undefined removed,
 * and what JSON keeps of it (stores keep JSON).
 */
export function modelUpdate(current: TaskRecord, changes: TaskChanges): TaskRecord {
  return JSON.parse(JSON.stringify({ ...current, ...changes, version: current.version + 1 })) as TaskRecord;
}
