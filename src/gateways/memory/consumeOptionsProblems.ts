import type { ConsumeOptions } from '../../streams/source.js';

/** Everything wrong with `consume` options; empty when they can be honoured. */
export function consumeOptionsProblems(options: ConsumeOptions): string[] {
  if (typeof options !== 'object' || options === null) return ['options must be an object'];
  const problems: string[] = [];
  const { channels, group, credit } = options;
  if (!Array.isArray(channels) || channels.length === 0) {
    problems.push('channels must be a non-empty array');
  } else {
    if (channels.some((channel) => typeof channel !== 'string' || channel.length === 0)) {
      problems.push('every channel must be a non-empty string');
    }
    // The same channel twice would make one subscription compete with itself.
    if (new Set(channels).size !== channels.length) problems.push('channels must be distinct');
  }
  if (typeof group !== 'string' || group.length === 0) problems.push('group must be a non-empty string');
  if (!Number.isSafeInteger(credit) || credit < 1) problems.push(`credit must be a positive integer, got ${String(credit)}`);
  return problems;
}
