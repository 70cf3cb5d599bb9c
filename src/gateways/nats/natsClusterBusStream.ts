import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from 'nats';
import type { Clock } from '../../domain/clock.js';
import { NatsClusterBusStreamError } from './natsClusterBusErrors.js';
import type { ResolvedNatsClusterBusOptions } from './natsClusterBusOptions.js';

/** Room for the headers a publish adds (`Nats-Expected-Stream`) above the message's own bytes. */
const HEADER_ROOM_BYTES = 1024;

/**
 * Makes sure the sequencer stream exists: memory storage (nothing of it needs to outlive a
 * restart but its numbering, see below), limits with discard old, one subject. Adding a stream that
 * exists with the same settings is a no-op on the server, so every instance simply adds it; one that
 * exists with other limits (an instance configured differently) is used as it is, as long as it
 * captures the subject.
 *
 * Numbering: a memory stream starts again at 1 after a server restart, and sequence numbers must
 * never go back. So a stream that has never held a message is purged up to the current time in
 * microseconds (a purge past the end moves the stream's first sequence there), and numbering
 * starts from that: above any number the lost stream gave, as long as it took fewer than one
 * message per microsecond on average (and clocks do not jump back). Such numbers stay below 2^53
 * (exact in JavaScript) until the 2250s. Two instances seeding an empty stream at the same
 * moment both purge; the second may remove the first's earliest message before a consumer read it:
 * at-most-once, as the bus is anyway.
 */
export async function ensureSequencerStream(jsm: JetStreamManager, config: ResolvedNatsClusterBusOptions, clock: Clock): Promise<void> {
  const wanted: Partial<StreamConfig> & { name: string } = {
    name: config.stream,
    subjects: [config.subject],
    storage: StorageType.Memory,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_msgs: config.maxMessages,
    max_age: nanos(config.maxAgeMs),
    max_msg_size: config.maxMessageBytes + HEADER_ROOM_BYTES,
    num_replicas: 1,
  };
  const info = await jsm.streams.add(wanted).catch(async (addError: unknown) => {
    const existing = await jsm.streams.info(config.stream).catch(() => undefined);
    if (!existing) throw new NatsClusterBusStreamError(`cannot create stream ${config.stream} on ${config.subject}`, { cause: addError });
    return existing;
  });
  if (!info.config.subjects.includes(config.subject)) {
    throw new NatsClusterBusStreamError(`stream ${config.stream} exists but does not capture ${config.subject} (it has ${info.config.subjects.join(', ')})`);
  }
  if (info.state.last_seq === 0) await jsm.streams.purge(config.stream, { seq: Math.floor(clock.now()) * 1000 });
}
