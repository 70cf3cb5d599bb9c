import { startSpareBroker, type SpareBroker } from './spareBroker.js';

/**
 * A Redis of the test's own: append-only file fsynced on every write, so what it confirmed
 * survives a restart (no RDB snapshots: `--save ''`).
 */
export const startSpareRedis = (): Promise<SpareBroker> =>
  startSpareBroker({
    name: 'redis',
    command: 'redis-server',
    args: (port, dir) => [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always',
      '--dir', dir, '--logfile', 'redis.log', '--daemonize', 'no',
    ],
    url: (port) => `redis://127.0.0.1:${port}`,
    logFile: 'redis.log',
  });

/** A NATS server with JetStream of the test's own; its store directory outlives restarts. */
export const startSpareNats = (): Promise<SpareBroker> =>
  startSpareBroker({
    name: 'nats',
    command: 'nats-server',
    args: (port, dir) => ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir, '-l', `${dir}/nats.log`],
    url: (port) => `127.0.0.1:${port}`,
    logFile: 'nats.log',
  });

// Kafka and RabbitMQ need more than a command line; each has its own file.
export { startSpareKafka } from './spareKafka.js';
export { startSpareRabbitMq } from './spareRabbitMq.js';
