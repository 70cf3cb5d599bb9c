import type { Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterBus } from '../../src/actors/hub/clusterBus.js';
import type { HubMessage, SequencedHubMessage } from '../../src/actors/hub/hubMessage.js';

export interface ClusterBusHarness {
  /** Names the bus in test titles. */
  readonly name: string;
  /**
   * `count` buses on one bus of their own (as `count` Orderly instances on one broker, with a
   * namespace no other test shares), each ready: its subscription in place, so it receives every
   * message published from now on. The suite closes them.
   */
  openInstances(count: number): Promise<ClusterBus[]>;
  /** What the bus can do; a test that needs what a bus lacks skips itself, saying why. */
  readonly features: ClusterBusFeatures;
  /** Longest a test waits for messages to arrive. @default 10_000 */
  readonly patienceMs?: number;
}

export interface ClusterBusFeatures {
  /**
   * Instances are separate buses that meet at a broker: closing one leaves the others running.
   * False for the in-process bus, where one process is the whole cluster and every "instance" is
   * the one bus.
   */
  readonly separateInstances: boolean;
  /** The size limit the buses were opened with, and what a larger message is rejected with; absent for a bus without one. */
  readonly sizeLimit?: { readonly maxMessageBytes: number; readonly tooLargeError: abstract new (...args: never[]) => Error };
}

interface Collector {
  readonly arrivals: SequencedHubMessage[];
  readonly completed: () => boolean;
  readonly subscription: Subscription;
}

const collect = (bus: ClusterBus): Collector => {
  const arrivals: SequencedHubMessage[] = [];
  let completed = false;
  const subscription = bus.messages$.subscribe({
    next: (message) => arrivals.push(message),
    complete: () => (completed = true),
  });
  return { arrivals, completed: () => completed, subscription };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(ms: number, check: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await sleep(5);
  }
}

/** A message with some of everything JSON carries, told apart by `label`. */
const hubMessage = (label: string, extra: Record<string, unknown> = {}): HubMessage => ({
  topics: [`order:o-${label}`, 'user:u-7', 'admin:all'],
  ownerId: 'u-7',
  event: { label, snapshot: { status: 'paid', total: 12.5, lines: [{ sku: 'ü-€-😀', qty: 2 }], note: null }, ...extra },
});

const labelOf = (message: HubMessage) => (message.event as { label: string }).label;

const expectStrictlyIncreasing = (seqs: readonly number[]) => {
  for (const seq of seqs) expect(Number.isSafeInteger(seq) && seq > 0, `seq ${seq} is a positive safe integer`).toBe(true);
  for (let i = 1; i < seqs.length; i++) if (!(seqs[i]! > seqs[i - 1]!)) expect.fail(`seq ${seqs[i]} at ${i} does not follow ${seqs[i - 1]}`);
};

/**
 * The `ClusterBus` contract, run against every bus: every instance sees every message with the
 * same sequence number, in the same order, strictly increasing; close ends the stream; nothing
 * too large goes out. What each test publishes waits for nothing but the bus itself.
 */
export function clusterBusContract(harness: ClusterBusHarness): void {
  const patienceMs = harness.patienceMs ?? 10_000;
  const { features } = harness;
  const opened: ClusterBus[] = [];
  const collectors: Collector[] = [];
  const open = async (count: number) => {
    const buses = await harness.openInstances(count);
    opened.push(...buses);
    return buses;
  };
  const collecting = (bus: ClusterBus) => {
    const collector = collect(bus);
    collectors.push(collector);
    return collector;
  };
  const arrive = (collectors: readonly Collector[], count: number) =>
    waitUntil(
      patienceMs,
      () => collectors.every((c) => c.arrivals.length >= count),
      () => `${count} messages on every instance (have ${collectors.map((c) => c.arrivals.length).join(', ')})`,
    );

  afterEach(async () => {
    for (const collector of collectors.splice(0)) collector.subscription.unsubscribe();
    await Promise.all(opened.splice(0).map((bus) => bus.close()));
  });

  describe(`${harness.name} - cluster bus contract`, () => {
    it('delivers a message published on either instance to both, with the seq its publish resolved with', async () => {
      const [a, b] = (await open(2)) as [ClusterBus, ClusterBus];
      const onA = collecting(a);
      const onB = collecting(b);
      const fromA = hubMessage('from-a');
      const seqA = await a.publish(fromA);
      const fromB = hubMessage('from-b');
      const seqB = await b.publish(fromB);
      expect(seqB).toBeGreaterThan(seqA);
      await arrive([onA, onB], 2);
      const expected = [
        { ...fromA, seq: seqA },
        { ...fromB, seq: seqB },
      ];
      expect(onA.arrivals).toEqual(expected);
      expect(onB.arrivals).toEqual(expected);
    });

    it('carries a message’s id (what a hub drops repeats by), and leaves a message without one without', async () => {
      const [a, b] = (await open(2)) as [ClusterBus, ClusterBus];
      const onB = collecting(b);
      const withId = { ...hubMessage('with-id'), id: 'evt-42' };
      const seq1 = await a.publish(withId);
      const seq2 = await a.publish(hubMessage('without-id'));
      await arrive([onB], 2);
      expect(onB.arrivals).toEqual([
        { ...withId, seq: seq1 },
        { ...hubMessage('without-id'), seq: seq2 },
      ]);
      expect(Object.keys(onB.arrivals[1]!)).not.toContain('id');
    });

    it('gives strictly increasing seqs in arrival order on every instance', async () => {
      const [a, b] = (await open(2)) as [ClusterBus, ClusterBus];
      const onA = collecting(a);
      const onB = collecting(b);
      const resolved: number[] = [];
      for (let i = 0; i < 40; i++) resolved.push(await (i % 3 === 0 ? b : a).publish(hubMessage(`m-${i}`)));
      expectStrictlyIncreasing(resolved);
      await arrive([onA, onB], 40);
      for (const on of [onA, onB]) {
        expect(on.arrivals.map((m) => m.seq)).toEqual(resolved);
        expect(on.arrivals.map(labelOf)).toEqual(resolved.map((_, i) => `m-${i}`));
      }
    });

    it('delivers 1,000 messages published concurrently from both instances to both, in one and the same order', async () => {
      const [a, b] = (await open(2)) as [ClusterBus, ClusterBus];
      const onA = collecting(a);
      const onB = collecting(b);
      const labels = Array.from({ length: 1000 }, (_, i) => `c-${i}`);
      const seqs = await Promise.all(labels.map((label, i) => (i % 2 === 0 ? a : b).publish(hubMessage(label))));
      expect(new Set(seqs).size).toBe(1000);
      await arrive([onA, onB], 1000);
      await sleep(50); // nothing more may come: no duplicates
      expect(onA.arrivals).toHaveLength(1000);
      expect(onB.arrivals).toEqual(onA.arrivals);
      expectStrictlyIncreasing(onA.arrivals.map((m) => m.seq));
      const seqOfLabel = new Map(labels.map((label, i) => [label, seqs[i]]));
      for (const arrival of onA.arrivals) expect(arrival.seq, labelOf(arrival)).toBe(seqOfLabel.get(labelOf(arrival)));
    });

    it('is hot: a late subscriber gets only what arrives after it subscribed', async () => {
      const [a, b] = (await open(2)) as [ClusterBus, ClusterBus];
      const early = collecting(b);
      await a.publish(hubMessage('before'));
      await arrive([early], 1);
      const late = collecting(b);
      const seq = await a.publish(hubMessage('after'));
      await arrive([late], 1);
      await arrive([early], 2);
      expect(late.arrivals.map(labelOf)).toEqual(['after']);
      expect(late.arrivals[0]!.seq).toBe(seq);
    });

    it('completes messages$ on close, closes idempotently, and completes a subscriber that comes after', async () => {
      const [a] = (await open(1)) as [ClusterBus];
      const first = collecting(a);
      const second = collecting(a);
      await Promise.all([a.close(), a.close()]);
      await a.close();
      expect(first.completed()).toBe(true);
      expect(second.completed()).toBe(true);
      const afterClose = collecting(a);
      expect(afterClose.completed()).toBe(true);
      expect(afterClose.arrivals).toEqual([]);
    });

    it.skipIf(!features.separateInstances)('goes on on the other instances when one closes (needs separate instances)', async () => {
      const [a, b] = (await open(2)) as [ClusterBus, ClusterBus];
      const onA = collecting(a);
      const onB = collecting(b);
      await a.close();
      expect(onA.completed()).toBe(true);
      expect(onB.completed()).toBe(false);
      const seq = await b.publish(hubMessage('after-a-closed'));
      await arrive([onB], 1);
      expect(onB.arrivals).toEqual([{ ...hubMessage('after-a-closed'), seq }]);
      expect(onA.arrivals).toEqual([]);
    });

    it('rejects a publish after close, and nothing of it reaches anyone', async () => {
      const [a, b] = (await open(2)) as [ClusterBus, ClusterBus];
      const onA = collecting(a);
      const onB = collecting(b);
      await a.close();
      await expect(a.publish(hubMessage('too-late'))).rejects.toThrow(/closed/i);
      if (features.separateInstances) {
        await b.publish(hubMessage('marker'));
        await arrive([onB], 1);
        expect(onB.arrivals.map(labelOf)).toEqual(['marker']);
      } else {
        await sleep(20);
        expect(onB.arrivals).toEqual([]);
      }
      expect(onA.arrivals).toEqual([]);
    });

    const { sizeLimit } = features;
    it.skipIf(!sizeLimit)('rejects a message larger than maxMessageBytes with a clear error, and sends nothing of it (needs a size limit)', async () => {
      const { maxMessageBytes, tooLargeError } = sizeLimit!;
      const [a, b] = (await open(2)) as [ClusterBus, ClusterBus];
      const onA = collecting(a);
      const onB = collecting(b);
      const huge = hubMessage('huge', { padding: 'x'.repeat(maxMessageBytes) });
      const refusal = await a.publish(huge).then(
        () => expect.fail('an oversize message was published'),
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(tooLargeError);
      expect(String((refusal as Error).message)).toMatch(new RegExp(`${maxMessageBytes}.*bytes`));
      // One well under the limit passes, and it is the first thing anyone receives.
      const fits = hubMessage('fits', { padding: 'y'.repeat(Math.floor(maxMessageBytes / 2)) });
      const seq = await a.publish(fits);
      await arrive([onA, onB], 1);
      await sleep(20);
      expect(onA.arrivals).toEqual([{ ...fits, seq }]);
      expect(onB.arrivals).toEqual([{ ...fits, seq }]);
    });
  });
}
