import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sparePort, startSpareBroker, type SpareBroker } from './spareBroker.js';

/**
 * The package's own start script, not /usr/sbin's Debian wrapper: run as root, that one switches
 * to the rabbitmq user and writes the shared node's /var/log/rabbitmq/startup_log.
 */
const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/**
 * A RabbitMQ node of the test's own, beside the shared rabbit@localhost: its own node name, AMQP
 * and distribution ports, data (Mnesia, quorum queue logs) and logs in its temporary folder, which
 * outlive a restart. It reads none of /etc/rabbitmq (the shared node's listener and node name) and
 * enables no plugin, so it does not reach for the management port the shared node holds. Its
 * Erlang cookie lives in a home of its own; like any node on this host it registers with the
 * running epmd. `stop` is SIGTERM to its own VM (RabbitMQ shuts down gracefully on it).
 */
export async function startSpareRabbitMq(): Promise<SpareBroker> {
  const home = mkdtempSync(join(tmpdir(), 'orderly-rabbitmq-home-'));
  writeFileSync(join(home, 'enabled_plugins'), '[].\n');
  writeFileSync(join(home, 'rabbitmq-env.conf'), '');
  writeFileSync(join(home, 'rabbitmq.conf'), '# listeners come from RABBITMQ_NODE_IP_ADDRESS and RABBITMQ_NODE_PORT\n');
  const distPort = await sparePort();
  const node = `orderly-${process.pid}-${Date.now().toString(36)}@localhost`;
  try {
    const broker = await startSpareBroker({
      name: 'rabbitmq',
      // `env` execs the script, and `detached` makes the script exec the VM: the child is the VM itself, so signals reach it.
      command: 'env',
      args: (port, dir) => [
        `HOME=${home}`,
        'detached=1',
        `RABBITMQ_NODENAME=${node}`,
        'RABBITMQ_NODE_IP_ADDRESS=127.0.0.1',
        `RABBITMQ_NODE_PORT=${port}`,
        // Its default, the AMQP port + 20,000, is past 65,535 for most ports the kernel hands out.
        `RABBITMQ_DIST_PORT=${distPort}`,
        `RABBITMQ_MNESIA_BASE=${dir}/mnesia`,
        `RABBITMQ_LOG_BASE=${dir}/log`,
        `RABBITMQ_CONF_ENV_FILE=${home}/rabbitmq-env.conf`,
        `RABBITMQ_CONFIG_FILE=${home}/rabbitmq.conf`,
        `RABBITMQ_ADVANCED_CONFIG_FILE=${home}/advanced.config`,
        `RABBITMQ_ENABLED_PLUGINS_FILE=${home}/enabled_plugins`,
        'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}',
        SERVER,
      ],
      url: (port) => `amqp://guest:guest@127.0.0.1:${port}`,
      logFile: `log/${node}.log`,
      startWithinMs: 90_000,
      stopWithinMs: 30_000,
    });
    return {
      name: broker.name,
      port: broker.port,
      url: broker.url,
      dir: broker.dir,
      get restarts() {
        return broker.restarts;
      },
      stop: () => broker.stop(),
      start: () => broker.start(),
      pause: () => broker.pause(),
      resume: () => broker.resume(),
      restart: (downMs) => broker.restart(downMs),
      async dispose() {
        await broker.dispose();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}
