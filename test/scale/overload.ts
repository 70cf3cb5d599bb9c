import { loadavg } from 'node:os';
import { jsonOutputPath, writeJsonOutput } from '../../bench/report/jsonOutput.js';
import { overloadRun, type OverloadJson, type OverloadResult } from './overloadRun.js';
import { numberArgs } from './runScale.js';

/**
 * Overload (issue 7): a producer at twice the sustainable rate for 60 s, then at half of it.
 * Orderly's resident set must stay under a bound stated up front (credit holds, the Redis stream
 * keeps the backlog), the lag must drain afterwards, and the oracle must find nothing lost and
 * nothing applied twice. Then, in the same invocation, a raw ioredis consumer with pause/resume
 * (`rawPausingConsumer`, doing a fixed stand-in for Orderly's work per message) goes through the
 * same run: Orderly must recover no slower than the raw client (within `--tolerance`).
 *
 * Each consumer's load is made from its own S, so both face about twice what they can keep up. S
 * is the consumer's acked rate over `--measure` s with `--prefill` messages waiting and the
 * producer publishing beside it, at the rate the consumer acked in the 10 s before (`overloadRun`
 * has the steps). Recovery is judged on each consumer's drain time ÷ the drain time of an ideal
 * consumer of the capacity it showed in the run, facing the same published messages
 * (`recoveryOf`), not on the drain times themselves: those follow how far each S estimate was off
 * more than how each consumer recovers (BENCHMARKS.md has the rounds). Both are printed, with the
 * machine's own speed (`watchMachineSpeed`) while S was measured and how it moved between the
 * overload and the drain.
 *
 * `node dist/test/scale/overload.js [--seconds 60 --measure 15 --prefill 60000 --credit 256
 * --heap 512 --growth 300 --semiSpace 64 --liveOrders 2000 --bound <MiB> --normal 0.5 --tolerance 0.25 --seed 7] [--json=<file>]`;
 * exits non-zero on any failure. `--json` also writes both sides' results and the failures, for
 * `npm run bench`, which runs this as its `overload` scenario, one round per process.
 */
const json = jsonOutputPath(process.argv);
const args = numberArgs(
  { seconds: 60, measure: 15, prefill: 60_000, credit: 256, heap: 512, growth: 300, semiSpace: 64, liveOrders: 2000, bound: 0, factor: 2, normal: 0.5, tolerance: 0.25, seed: 7, eventsPerOrder: 8 },
  process.argv.slice(2).filter((a) => !a.startsWith('--json=')),
);
/** The largest event Orderly accepts in this run: part of the memory bound. */
const MAX_BODY_BYTES = 256 * 1024;
/** What Node needs beside V8's heap: code, sockets and their buffers. */
const OFF_HEAP_MIB = 64;
/**
 * V8's young generation is three semi-spaces (16 MiB each by default on Node 20). Orderly makes
 * short-lived garbage for every message and spent a quarter of its time collecting it: 64 MiB
 * semi-spaces took its CPU per message from a median of 350 µs to 277 µs on this machine (32 MiB:
 * 325 µs; 128 MiB beside a 256 MiB old space collapsed). BENCHMARKS.md has the runs. 0: V8's default.
 */
const NODE_DEFAULT_SEMI_SPACE_MIB = 16;
/**
 * How far V8 lets the old generation grow past what a full collection left live, in percent
 * (`--heap-growing-percent`; 0: V8's own). Under a cap below 2 GiB V8 takes itself for a small
 * device and grows by at most 1.3× under 256 MiB; it also starts marking once the room left is
 * under the young generation's size. With about 60 MiB live and 64 MiB semi-spaces, Orderly was
 * marking almost all the time: a full collection about every second at S, on the helper threads
 * that compete with its main thread for the 2 cores (`--trace-incremental-marking`: "Start (task):
 * v8: 71MB / 142MB / 71MB"). 300 under a 512 MiB cap, one 10 s round each: 20 full collections
 * against 106, 388 µs of CPU per message against 484 (BENCHMARKS.md has the rounds). The raw
 * client runs with V8's defaults, which on this machine's memory allow the same 4×.
 */
const growthArgs = args.growth > 0 ? [`--heap-growing-percent=${args.growth}`] : [];
const semiSpaceMiB = args.semiSpace > 0 ? args.semiSpace : NODE_DEFAULT_SEMI_SPACE_MIB;
const youngMiB = 3 * semiSpaceMiB;
const bound = args.bound > 0 ? args.bound : Math.ceil(args.heap + youngMiB + OFF_HEAP_MIB + (args.credit * MAX_BODY_BYTES) / 2 ** 20);
const drainTimeoutMs = Math.round((((args.factor - 1) * args.seconds) / (1 - args.normal)) * 2 * 1000 + 30_000);
const hardTimeoutMs = 2 * (args.seconds * 1000 + drainTimeoutMs + 180_000 + 60_000) + (args.measure + 120) * 1000;
setTimeout(() => {
  console.error(`overload: hard timeout after ${hardTimeoutMs} ms`);
  process.exit(2);
}, hardTimeoutMs).unref();

/** Memory that grows with distinct orders, not with the backlog, is capped: live order actors and hub topics. */
const orderlyEnv = {
  ORDERLY_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  ORDERLY_MAX_LIVE_ORDERS: String(args.liveOrders),
  ORDERLY_HUB_MAX_TOPICS: String(args.liveOrders),
  NODE_OPTIONS: `--max-old-space-size=${args.heap}${args.semiSpace > 0 ? ` --max-semi-space-size=${args.semiSpace}` : ''}`,
};
const started = Date.now();
const log = (line: string) => console.log(`[overload ${new Date().toISOString().slice(11, 19)}] ${line}`);
log(`memory bound for Orderly: ${bound} MiB = V8 old space capped at ${args.heap} MiB (growing ${args.growth > 0 ? `${args.growth} %` : "as V8's default"} past the live) + young generation ${youngMiB} MiB (3 × ${semiSpaceMiB} MiB semi-space) + ${OFF_HEAP_MIB} MiB for Node beside V8 + credit ${args.credit} × max message ${MAX_BODY_BYTES / 1024} KiB`);
const common = { credit: args.credit, overloadSeconds: args.seconds, overloadFactor: args.factor, normalFactor: args.normal, drainTimeoutMs, eventsPerOrder: args.eventsPerOrder, seed: args.seed, log };
const failures: string[] = [];
let orderly: OverloadResult | undefined;
let raw: OverloadResult | undefined;
let workCpuUs: number | undefined;
try {
  orderly = await overloadRun({ ...common, target: 'orderly', measure: { prefill: args.prefill, seconds: args.measure }, env: orderlyEnv, nodeArgs: growthArgs });
  // Orderly's CPU per message, but at most 90 % of one core at S: the raw client works on one thread, Orderly's CPU includes its helper threads'.
  workCpuUs = Math.min(orderly.cpuUsPerMessage ?? 0, (0.9 * 1e6) / orderly.rate);
  raw = await overloadRun({ ...common, target: 'raw', workCpuUs, measure: { prefill: args.prefill, seconds: args.measure } });
} catch (error) {
  failures.push(`the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}

const f = (n: number | undefined, digits = 0) => (n === undefined ? '—' : n.toFixed(digits));
const s = (ms: number | undefined) => (ms === undefined ? 'not drained' : `${(ms / 1000).toFixed(1)} s`);
const ratio = orderly?.drainMs !== undefined && raw?.drainMs !== undefined ? orderly.drainMs / Math.max(1, raw.drainMs) : undefined;
const recoveryRatio = orderly?.recovery && raw?.recovery ? orderly.recovery.factor / raw.recovery.factor : undefined;
for (const r of [orderly, raw]) if (r) failures.push(...r.problems.map((p) => `${r.target}: ${p}`));
for (const r of [orderly, raw]) if (r?.drainMs !== undefined && r.recovery === undefined) failures.push(`${r.target}: no recovery figure: too few readings, or the load was no overload for the capacity it showed`);
if (orderly && orderly.peakRssMiB > bound) failures.push(`Orderly's peak resident set ${f(orderly.peakRssMiB)} MiB is above the bound of ${bound} MiB`);
if (recoveryRatio !== undefined && recoveryRatio > 1 + args.tolerance) failures.push(`Orderly recovered ${recoveryRatio.toFixed(2)}× as slowly as the raw client, each against an ideal consumer of its own capacity (allowed: ${1 + args.tolerance})`);

console.log(`\n== overload: ${args.factor}×S for ${args.seconds} s, then ${args.normal}×S, on Redis Streams (credit ${args.credit}); load average ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);
console.log('| | Orderly | raw client (pause/resume) |');
console.log('| --- | --- | --- |');
console.log(`| acked rate with a backlog, the producer idle (msg/s, over 5 s) | ${f(orderly?.idleRate)} | ${f(raw?.idleRate)} |`);
console.log(`| sustainable rate S (msg/s, over ${args.measure} s with a backlog, the producer beside it at the rate it acked just before) | ${f(orderly?.measuredRate)} | ${f(raw?.measuredRate)} |`);
console.log(`| CPU per message (µs) | ${f(orderly?.cpuUsPerMessage)} | ${f(raw?.cpuUsPerMessage)} (work calibrated to ${f(workCpuUs)} µs of CPU on an idle machine in it) |`);
console.log(`| published during the overload (msg/s; asked: ${args.factor}×S) | ${f(orderly?.overloadPublishRate)} | ${f(raw?.overloadPublishRate)} |`);
console.log(`| most lag (messages kept by the broker) | ${f(orderly?.maxLag)} | ${f(raw?.maxLag)} |`);
console.log(`| resident set at rest → peak (MiB) | ${f(orderly?.restRssMiB)} → ${f(orderly?.peakRssMiB)} (bound ${bound}) | ${f(raw?.restRssMiB)} → ${f(raw?.peakRssMiB)} |`);
const pctOfS = (r: OverloadResult | undefined, rate: number | undefined) => (r && rate !== undefined ? ` (${Math.round((100 * rate) / r.rate)} % of S)` : '');
console.log(`| taken off the stream during the overload's second half (msg/s) | ${f(orderly?.recovery?.overloadRate)}${pctOfS(orderly, orderly?.recovery?.overloadRate)} | ${f(raw?.recovery?.overloadRate)}${pctOfS(raw, raw?.recovery?.overloadRate)} |`);
console.log(`| taken off the stream while draining (msg/s) | ${f(orderly?.recovery?.drainRate)}${pctOfS(orderly, orderly?.recovery?.drainRate)} | ${f(raw?.recovery?.drainRate)}${pctOfS(raw, raw?.recovery?.drainRate)} |`);
console.log(`| drained after the overload | ${s(orderly?.drainMs)} | ${s(raw?.drainMs)} |`);
console.log(`| Orderly ÷ raw drain time | ${f(ratio, 2)} | |`);
console.log(`| drain time ÷ an ideal consumer's (the better of those two rates throughout, the same messages published) | ${f(orderly?.recovery?.factor, 2)} | ${f(raw?.recovery?.factor, 2)} |`);
console.log(`| machine speed while S was measured (work units per CPU-ms) | ${f(orderly?.speedDuringS)} | ${f(raw?.speedDuringS)} |`);
console.log(`| machine speed while draining ÷ during the overload's second half (shown, not taken out) | ${f(orderly?.recovery?.machineSpeedRatio, 2)} | ${f(raw?.recovery?.machineSpeedRatio, 2)} |`);
console.log(`| Orderly ÷ raw recovery (the goal: ≤ ${1 + args.tolerance}) | ${f(recoveryRatio, 2)} | |`);
console.log(`| verdict | ${orderly?.verdictLine ?? '—'} | ${raw?.verdictLine ?? '—'} |`);
for (const r of [orderly, raw]) {
  // Not a failure of the consumer: the harness's publisher could not keep the pace (Redis busy), so that run saw less overload.
  if (r && r.overloadPublishRate < 0.9 * args.factor * r.rate) console.log(`note: ${r.target}'s run published at ${f(r.overloadPublishRate)}/s during the overload, under 90 % of the ${f(args.factor * r.rate)}/s asked`);
}
for (const failure of failures) console.log(`problem: ${failure}`);
if (json !== undefined) await writeJsonOutput(json, { bound, workCpuUs, orderly, raw, failures } satisfies OverloadJson);
console.log(`${failures.length === 0 ? 'PASS' : 'FAIL'} overload in ${Math.round((Date.now() - started) / 1000)} s (artifacts/scale/${orderly?.run ?? 'overload-*'}/, ${raw?.run ?? ''})`);
process.exit(failures.length === 0 ? 0 : 1);
