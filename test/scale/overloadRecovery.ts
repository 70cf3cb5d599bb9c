import { median } from '../../bench/report/stats.js';
import type { GroupBacklog } from './overloadProbe.js';

/** One reading of the consumer group, `atS` seconds into the run, with the machine's speed then (`watchMachineSpeed`) when known. */
export type BacklogPoint = GroupBacklog & { readonly atS: number; readonly speed?: number };

/**
 * How a consumer came through the overload, measured against itself rather than against the S
 * its load was made from. Each consumer's S is measured over 15 s before the overload, and on this
 * workplace's machines the CPU's own speed moves by more than 10 % between such windows; the drain
 * time amplifies such an error (drain = backlog ÷ (consumed − 0.5×S): an S 10 % too high gives
 * about 1.3× the drain, 10 % too low about 0.75×), so drain times compare the estimates more than
 * the consumers.
 *
 * Here the yardstick is an ideal consumer of the capacity this one showed in the same run (the
 * better of its rates during the overload's second half and while draining) facing exactly the
 * messages that were published: it would have ended the overload with a smaller backlog if this
 * one slowed down under it, and drained faster if this one slowed down after it. A wrong S
 * changes the load; it does not change this figure for a consumer that keeps its rate.
 */
export interface Recovery {
  /** Messages/s the consumer took off the stream over the overload's second half. */
  readonly overloadRate: number;
  /** Messages/s it took off the stream while draining. */
  readonly drainRate: number;
  /** Messages/s the producer added while it drained. */
  readonly publishRate: number;
  /** How long the drain took (s): from the overload's last reading to the first with the lag drained. */
  readonly drainS: number;
  /** How long the ideal consumer would have taken to drain, from the same moment (s). */
  readonly idealDrainS: number;
  /**
   * `drainS ÷ idealDrainS`: 1 for a consumer that kept one rate through the overload and the
   * drain; above 1 by what it lost under the overload (a larger backlog) or after it (a slower
   * drain).
   */
  readonly factor: number;
  /**
   * The machine's speed while draining ÷ during the overload's second half, when the probe read
   * both. Shown beside `factor`, not taken out of it: within a run the consumers' rates second by
   * second followed the probe's readings only loosely (BENCHMARKS.md has the rounds).
   */
  readonly machineSpeedRatio?: number;
}

const published = (p: BacklogPoint) => p.entriesRead + p.lag;

/**
 * The recovery between `overload` (the readings while the producer was at the overload rate, in
 * order) and `drain` (the readings after it, in order, up to the one that found the lag drained);
 * undefined when there are too few readings, when the lag did not fall, or when the ideal
 * consumer would have had nothing to drain (the load was no overload for the capacity shown). Rates are of delivered entries
 * (`entries-read`): the lag falls by what is delivered less what is published, and with a backlog
 * the consumer acks as fast as it is delivered.
 */
export function recoveryOf(overload: readonly BacklogPoint[], drain: readonly BacklogPoint[]): Recovery | undefined {
  const start = overload[0];
  const end = overload.at(-1);
  const drained = drain.at(-1);
  if (start === undefined || end === undefined || drained === undefined || !(drained.atS > end.atS)) return undefined;
  // The second half: the lag is well above the credit by then, so the consumer is saturated.
  const secondHalf = overload.filter((p) => p.atS >= (start.atS + end.atS) / 2);
  const from = secondHalf[0]!;
  if (!(end.atS > from.atS) || !(end.lag > drained.lag)) return undefined;
  const overloadRate = (end.entriesRead - from.entriesRead) / (end.atS - from.atS);
  const drainS = drained.atS - end.atS;
  const drainRate = (drained.entriesRead - end.entriesRead) / drainS;
  const publishRate = (published(drained) - published(end)) / drainS;
  const capacity = Math.max(overloadRate, drainRate);
  const idealBacklog = start.lag + (published(end) - published(start)) - capacity * (end.atS - start.atS);
  // The lag fell, so the consumer took more than was published while draining: `capacity` is above `publishRate`.
  if (!(idealBacklog > drained.lag)) return undefined;
  const idealDrainS = (idealBacklog - drained.lag) / (capacity - publishRate);
  const recovery = { overloadRate, drainRate, publishRate, drainS, idealDrainS, factor: drainS / idealDrainS };
  const speedOf = (points: readonly BacklogPoint[]) => median(points.flatMap((p) => (p.speed === undefined ? [] : [p.speed])));
  const overloadSpeed = speedOf(secondHalf);
  const drainSpeed = speedOf(drain);
  return overloadSpeed === undefined || drainSpeed === undefined ? recovery : { ...recovery, machineSpeedRatio: drainSpeed / overloadSpeed };
}
