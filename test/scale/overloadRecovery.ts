import { median } from '../../bench/report/stats.js';
import type { GroupBacklog } from './overloadProbe.js';

/** One reading of the consumer group, `atS` seconds into the run, with the machine's speed then (`watchMachineSpeed`) when known. */
export type BacklogPoint = GroupBacklog & { readonly atS: number; readonly speed?: number };

/**
 * How a consumer recovered from the overload, measured against itself rather than against the S
 * its load was made from. Each consumer's S is measured over 15 s, and on a machine of 2 cores
 * rates move by more than 10 % between such windows; a drain time compares those errors more than
 * the consumers (drain = backlog ÷ (consumed − 0.5×S): an S 10 % too high gives about 1.3× the
 * drain, 10 % too low about 0.75×). The rate a consumer kept while overloaded is measured on the
 * same run, over 30 s or more, so the drain it predicts holds whatever S was.
 */
export interface Recovery {
  /** Messages/s the consumer took off the stream over the overload's second half: what it kept up while overloaded. */
  readonly overloadRate: number;
  /** Messages/s it took off the stream while draining. */
  readonly drainRate: number;
  /** Messages/s the producer added while it drained. */
  readonly publishRate: number;
  /** How long the drain took (s): from the overload's last reading to the first with the lag drained. */
  readonly drainS: number;
  /** How long it would have taken at `overloadRate` (s). */
  readonly expectedS: number;
  /**
   * `drainS ÷ expectedS`. 1: it drained at the rate it kept while overloaded; above 1, it slowed
   * down once the overload was over (a pause held too long, a heap to collect); below 1, it sped
   * up (the producer, on the same cores, took less CPU at the normal rate).
   */
  readonly factor: number;
  /**
   * The machine's speed while draining ÷ while overloaded, when the probe read both: the drain
   * comes a minute or more after the overload's second half, and the machine's speed can move by
   * more than 10 % in such a time for no reason of the consumer's. Shown beside `factor`, not
   * taken out of it: within a run the consumers' rates second by second followed the probe's
   * readings only loosely (correlations of 0.1 to 0.6 in the rounds BENCHMARKS.md has).
   */
  readonly machineSpeedRatio?: number;
}

const published = (p: BacklogPoint) => p.entriesRead + p.lag;

/**
 * The recovery between `overload` (the readings while the producer was at the overload rate, in
 * order) and `drain` (the readings after it, in order, up to the one that found the lag drained);
 * undefined when there are too few readings, when the lag did not fall, or when the consumer's
 * overload rate would never have drained it at the producer's normal rate. Rates are of delivered
 * entries (`entries-read`): the lag falls by what is delivered less what is published, and with a
 * backlog the consumer acks as fast as it is delivered.
 */
export function recoveryOf(overload: readonly BacklogPoint[], drain: readonly BacklogPoint[]): Recovery | undefined {
  const end = overload.at(-1);
  const drained = drain.at(-1);
  if (end === undefined || drained === undefined || !(drained.atS > end.atS)) return undefined;
  // The second half: the lag is well above the credit by then, so the consumer is saturated.
  const middleS = (overload[0]!.atS + end.atS) / 2;
  const secondHalf = overload.filter((p) => p.atS >= middleS);
  const from = secondHalf[0]!;
  if (!(end.atS > from.atS)) return undefined;
  const overloadRate = (end.entriesRead - from.entriesRead) / (end.atS - from.atS);
  const drainS = drained.atS - end.atS;
  const drainRate = (drained.entriesRead - end.entriesRead) / drainS;
  const publishRate = (published(drained) - published(end)) / drainS;
  const drainedLag = end.lag - drained.lag;
  if (!(overloadRate > publishRate) || !(drainedLag > 0)) return undefined;
  const expectedS = drainedLag / (overloadRate - publishRate);
  const recovery = { overloadRate, drainRate, publishRate, drainS, expectedS, factor: drainS / expectedS };
  const speedOf = (points: readonly BacklogPoint[]) => median(points.flatMap((p) => (p.speed === undefined ? [] : [p.speed])));
  const overloadSpeed = speedOf(secondHalf);
  const drainSpeed = speedOf(drain);
  return overloadSpeed === undefined || drainSpeed === undefined ? recovery : { ...recovery, machineSpeedRatio: drainSpeed / overloadSpeed };
}
