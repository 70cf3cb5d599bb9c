/** The label value of anything outside a bounded set. */
export const OTHER = 'other';

/**
 * Maps raw values to a bounded set of label values: the `allowed` ones when given, otherwise the
 * first `max` distinct values seen. Anything else becomes `other`, so that a misconfigured
 * producer or a new channel can never grow a metric's series without bound.
 */
export function boundedLabel(allowed: readonly string[] | undefined, max = 64): (value: string) => string {
  const known = new Set(allowed);
  const open = allowed === undefined;
  return (value) => {
    if (known.has(value)) return value;
    if (!open || known.size >= max) return OTHER;
    known.add(value);
    return value;
  };
}
