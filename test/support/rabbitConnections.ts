import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The shared RabbitMQ's connections that carry `connection_name` = `name`, by pid. Only a
 * connection opened with a name unique to the test is ever closed: other test files use the
 * same broker at the same time, so `close_all_connections` is never an option. Asynchronous, so
 * that a test's publishers and consumers keep running while rabbitmqctl works.
 */
export async function rabbitConnectionsNamed(name: string): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties'], { timeout: 15_000 });
  // One line per connection: `<pid>\t[{"connection_name","<name>"},...]`; matched whole, so `x-1` is not `x-10`.
  const marker = `{"connection_name","${name}"}`;
  return stdout
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => line.split('\t')[0]!)
    .filter((pid) => pid.startsWith('<'));
}

/** Closes every connection named `name` as the broker would on an operator's command; returns how many it closed. */
export async function closeRabbitConnectionsNamed(name: string, reason: string): Promise<number> {
  const pids = await rabbitConnectionsNamed(name);
  for (const pid of pids) await run('rabbitmqctl', ['-q', 'close_connection', pid, reason], { timeout: 15_000 });
  return pids.length;
}
