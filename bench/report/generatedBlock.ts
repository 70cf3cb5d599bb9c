export const GENERATED_START = '<!-- bench:generated:start (written by `npm run bench`; edits between these markers are replaced) -->';
export const GENERATED_END = '<!-- bench:generated:end -->';
const START_PREFIX = '<!-- bench:generated:start';

/** The markers of BENCHMARKS.md's generated block are missing one half, or out of order. */
export class GeneratedBlockMarkerError extends Error {
  override readonly name = 'GeneratedBlockMarkerError';
}

/**
 * `text` with the generated block replaced by `block` (given without markers). Without markers
 * the block goes right under the first level-1 heading, or at the very top; everything outside
 * the markers stays byte for byte.
 */
export function replaceGeneratedBlock(text: string, block: string): string {
  const wrapped = `${GENERATED_START}\n${block.trim()}\n${GENERATED_END}`;
  const start = text.indexOf(START_PREFIX);
  const end = text.indexOf(GENERATED_END);
  if (start < 0 && end < 0) {
    const heading = /^# .*$/m.exec(text);
    if (!heading) return text.length === 0 ? `${wrapped}\n` : `${wrapped}\n\n${text}`;
    const after = heading.index + heading[0].length;
    const rest = text.slice(after);
    return `${text.slice(0, after)}\n\n${wrapped}${rest.startsWith('\n') ? rest : `\n${rest}`}`;
  }
  if (start < 0 || end < 0 || end < start || text.indexOf(START_PREFIX, start + 1) >= 0) {
    throw new GeneratedBlockMarkerError('BENCHMARKS.md: the bench:generated markers are incomplete, repeated or out of order; fix them by hand');
  }
  return text.slice(0, start) + wrapped + text.slice(end + GENERATED_END.length);
}
