import { describe, expect, it } from 'vitest';
import { createSupervisorLogic, SupervisorSpecError, type SupervisorSpec } from '../../../src/actors/supervision/index.js';
import { probe } from './supervisionHarness.js';

const logic = probe([]);

describe('supervisor - rejects a spec that cannot work, when the logic is created', () => {
  it.each<[string, Partial<SupervisorSpec> & Pick<SupervisorSpec, 'children'>, RegExp]>([
    ['duplicate ids', { children: [{ id: 'a', logic }, { id: 'a', logic }] }, /children\[1\]\.id "a" is used twice/],
    ['empty id', { children: [{ id: '', logic }] }, /children\[0\]\.id/],
    ['not actor logic', { children: [{ id: 'a', logic: {} as never }] }, /logic must be XState actor logic/],
    ['unknown restart type', { children: [{ id: 'a', logic, restart: 'sometimes' as never }] }, /restart must be one of/],
    ['unknown strategy', { strategy: 'one-for-all' as never, children: [] }, /strategy must be one of/],
    ['negative intensity', { intensity: -1, children: [] }, /intensity/],
    ['zero period', { periodMs: 0, children: [] }, /periodMs/],
    ['maxMs below baseMs', { backoff: { baseMs: 100, maxMs: 10 }, children: [] }, /backoff\.maxMs/],
    ['jitter above 1', { children: [{ id: 'a', logic, backoff: { jitter: 2 } }] }, /children\[0\] \(a\)\.backoff\.jitter/],
  ])('%s', (_, spec, message) => {
    expect(() => createSupervisorLogic(spec)).toThrow(SupervisorSpecError);
    expect(() => createSupervisorLogic(spec)).toThrow(message);
  });
});
