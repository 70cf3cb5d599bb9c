import { mixInFuzz, type FuzzKind } from './fuzzedMessages.js';
import { CHAOS, runOptions } from './runOptions.js';
import { numberArgs, report } from './runScale.js';
import { scaleRun, type ScaleResult } from './scaleRun.js';

/**
 * Chaos: `fuzz` fuzzed invalid messages (fast-check: bad JSON, wrong types, missing fields, huge
 * payloads, unknown versions and types) mixed into valid traffic on Kafka. The oracle demands
 * every one dead-lettered with a decoding reason and the valid traffic applied exactly once in
 * order; the same valid load runs first without fuzz, in the same invocation, and the valid
 * traffic's rate with fuzz must stay at least `minRatio` of that.
 * `node dist/test/scale/chaosFuzz.js [--events 20000 --orders 2000 --fuzz 10000 --minRatio 0.5 --seed 19]`.
 */
const args = numberArgs({ events: 20_000, orders: 2_000, fuzz: 10_000, minRatio: 0.5, seed: 19 });
const hardMs = 25 * 60_000;
setTimeout(() => {
  console.error(`chaosFuzz: hard timeout after ${hardMs} ms`);
  process.exit(2);
}, hardMs).unref();

const base = runOptions(args, { broker: 'kafka', instances: 1, timeoutMs: 10 * 60_000, ...CHAOS });
/** Valid messages (events and duplicates) per second, from the first publish to the last status event. */
const validRate = (result: ScaleResult) => Math.round(args.events / Number(result.figures.firstPublishToLastTransitionS));

let kinds: Record<FuzzKind, number> | undefined;
let code = 1;
try {
  const plain = await scaleRun(base);
  report(`chaos fuzz, baseline: ${args.events} valid events over ${args.orders} orders`, plain);
  const fuzzed = await scaleRun({
    ...base,
    mixIn: (plan) => {
      const mixed = mixInFuzz(plan, args.fuzz, args.seed);
      kinds = mixed.kinds;
      return mixed.plan;
    },
  });
  report(`chaos fuzz: ${args.fuzz} fuzzed invalid messages mixed into the same ${args.events} valid events`, fuzzed);
  const deadLettered = fuzzed.verdict.figures.deadLettered;
  const fuzzDead = Object.values(deadLettered).reduce((a, b) => a + b, 0) - Object.values(plain.verdict.figures.deadLettered).reduce((a, b) => a + b, 0);
  const ratio = validRate(fuzzed) / validRate(plain);
  console.log(`\n== chaos fuzz summary`);
  console.log(`fuzzed: ${JSON.stringify(kinds)}; dead letters by reason: ${JSON.stringify(deadLettered)} (${fuzzDead} more than the baseline's)`);
  console.log(`valid traffic: ${validRate(plain)}/s without fuzz, ${validRate(fuzzed)}/s with it: ratio ${ratio.toFixed(2)} (at least ${args.minRatio} wanted)`);
  console.log(`all messages, fuzz included: ${String(plain.figures.processedPerSecond)}/s without fuzz, ${String(fuzzed.figures.processedPerSecond)}/s with it`);
  const ok = plain.ok && fuzzed.ok && fuzzDead === args.fuzz && ratio >= args.minRatio;
  if (fuzzDead !== args.fuzz) console.log(`problem: ${fuzzDead} dead letters for ${args.fuzz} fuzzed messages`);
  console.log(`${ok ? 'PASS' : 'FAIL'} chaos fuzz`);
  code = ok ? 0 : 1;
} catch (error) {
  console.error(`chaosFuzz: the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
process.exit(code);
