/** Longest excerpt of foreign input a reason may carry: a reason is one line, never the whole body. */
export const QUOTE_LIMIT = 100;

/**
 * `value` as a short, one-line JSON literal for a human reason, cut to `max` characters with
 * an ellipsis. Never throws, whatever the value (bigints, cycles and symbols included).
 */
export function quote(value: unknown, max: number = QUOTE_LIMIT): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return truncate(text, max);
}

/** `text` on one line and at most `max` characters (plus an ellipsis); never splits a surrogate pair. */
export function truncate(text: string, max: number = QUOTE_LIMIT): string {
  const line = text.replace(/\s+/g, ' ');
  if (line.length <= max) return line;
  let cut = line.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}
