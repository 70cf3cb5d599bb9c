import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { readNdjson, type JournalEntry } from './journal.js';
import { checkRun, type StatusEventSeen } from './oracle.js';
import { readDeadLetters, readStoredOrders } from './readOrderly.js';

/**
 * The oracle on its own, for runs made elsewhere (the chaos runs): reads a journal and the status
 * events a run saved (NDJSON), and Orderly's Redis store and dead-letter index under a key
 * prefix; prints the one-line verdict and exits 1 on any violation.
 *
 *   node dist/test/scale/oracleCli.js --journal artifacts/scale/<run>/journal.ndjson \
 *     --status artifacts/scale/<run>/status-events.ndjson --key-prefix '<run>:' [--ordering none] [--redis redis://127.0.0.1:6379]
 */
const { values } = parseArgs({
  options: {
    journal: { type: 'string' },
    status: { type: 'string' },
    'key-prefix': { type: 'string' },
    ordering: { type: 'string', default: 'per-order' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
if (!values.journal || !values.status || !values['key-prefix'] || !['per-order', 'none'].includes(values.ordering)) {
  console.error('usage: oracleCli --journal <ndjson> --status <ndjson> --key-prefix <prefix> [--ordering per-order|none] [--redis <url>]');
  process.exit(2);
}
const journal = await readNdjson<JournalEntry>(values.journal);
const redis = new Redis(values.redis);
try {
  const verdict = checkRun({
    journal,
    store: await readStoredOrders(values.redis, values['key-prefix'], [...new Set(journal.map((e) => e.orderId))]),
    statusEvents: await readNdjson<StatusEventSeen>(values.status),
    deadLetters: await readDeadLetters(redis, values['key-prefix']),
    ordering: values.ordering as 'per-order' | 'none',
  });
  console.log(verdict.line);
  process.exitCode = verdict.ok ? 0 : 1;
} finally {
  redis.disconnect();
}
