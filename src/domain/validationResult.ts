import type { z } from 'zod';
import { truncate } from './quote.js';

/** One failing field: `path` is dotted (`items.0.quantity`); `data` names the data as a whole. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** Why data was refused. `message` is one line listing every failing field, for a dead letter. */
export interface ValidationFailure {
  readonly ok: false;
  /** `unknown-version`: no schema for the version received; `validation`: the data fails it. */
  readonly code: 'unknown-version' | 'validation';
  readonly message: string;
  /** Empty for `unknown-version`. */
  readonly issues: readonly ValidationIssue[];
}

export type ValidationResult<Data = unknown> = { readonly ok: true; readonly data: Data } | ValidationFailure;

/** Name used for an issue about the data as a whole (zod's empty path). */
const ROOT = 'data';

/**
 * One issue per field (the first zod reports), messages on one line. Keeping only the first
 * keeps the reason short: `-1.5` is reported as not a positive integer, not twice.
 */
export function issuesFromZod(issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  const byPath = new Map<string, string>();
  for (const issue of issues) {
    const path = issue.path.length === 0 ? ROOT : issue.path.map(String).join('.');
    if (!byPath.has(path)) byPath.set(path, truncate(issue.message, 200));
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

/** Most issues a one-line message lists; the rest are counted (1000 bad lines stay one short line). */
const LISTED = 10;

/** `path: message; path: message`, the one-line form of `issues`. */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  const listed = issues.slice(0, LISTED).map((issue) => `${issue.path}: ${issue.message}`);
  if (issues.length > LISTED) listed.push(`and ${issues.length - LISTED} more`);
  return listed.join('; ');
}

export function validationFailure(issues: readonly ValidationIssue[], prefix = ''): ValidationFailure {
  return { ok: false, code: 'validation', message: `${prefix}${describeIssues(issues)}`, issues };
}

export function unknownVersionFailure(message: string): ValidationFailure {
  return { ok: false, code: 'unknown-version', message, issues: [] };
}
