import { CliApiError } from './apiClient.js';
import { CliFailure, CliUsageError, type CliIo } from './cliIo.js';
import { dlqCommand } from './dlqCommand.js';

export const HELP = `Usage: orderly <command> [options]

Commands:
  start      run Orderly, as npm start does; --inspect for the Stately inspector
  publish    publish order events (CloudEvents) to kafka, rabbitmq, nats or redis
  simulate   publish a realistic, paced stream of orders, with failures, duplicates and bad input
  tail       follow a real-time topic (order:<id>, user:<id>, ...) over the WebSocket
  dlq        dead letters: list, show, replay, purge

Run orderly <command> --help for a command's options.

Options:
  -h, --help   this help
`;

/**
 * The commands other than dlq are loaded when asked for: they pull in the broker clients (or
 * the whole app), which `orderly dlq` and `--help` need not load; and so this file imports
 * only node: and its siblings statically (test/app/cliDlq.test.ts runs the folder on its own).
 */
const COMMANDS: Readonly<Record<string, () => Promise<(args: readonly string[], io: CliIo) => Promise<number>>>> = {
  start: async () => (await import('./startCommand.js')).startCommand,
  publish: async () => (await import('./publishCommand.js')).publishCommand,
  simulate: async () => (await import('./simulateCommand.js')).simulateCommand,
  tail: async () => (await import('./tailCommand.js')).tailCommand,
};

/**
 * The `orderly` command line; resolves with the exit code: 0 done, 1 Orderly or a broker refused
 * or could not be reached, 2 a usage error (the message says which, and `--help` says how),
 * 130 a simulation stopped with Ctrl-C.
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'dlq':
        return await dlqCommand(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(HELP);
        return command === undefined ? 2 : 0;
      default: {
        const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
        if (load === undefined) throw new CliUsageError(`unknown command ${JSON.stringify(command)}`);
        return await (await load())(rest, io);
      }
    }
  } catch (error) {
    if (error instanceof CliApiError || error instanceof CliFailure) {
      io.stderr(`orderly: ${error.message}\n`);
      return 1;
    }
    // parseArgs throws TypeErrors with a code for unknown or malformed options.
    const usage = error instanceof CliUsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    if (usage) {
      io.stderr(`orderly: ${(error as Error).message}\ntry: orderly --help\n`);
      return 2;
    }
    throw error;
  }
}
