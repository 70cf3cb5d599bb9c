import { CliApiError } from './apiClient.js';
import { CliUsageError, type CliIo } from './cliIo.js';
import { dlqCommand } from './dlqCommand.js';

export const HELP = `Usage: orderly <command> [options]

Commands:
  dlq      dead letters: list, show, replay, purge (orderly dlq --help)

Options:
  -h, --help   this help
`;

/**
 * The `orderly` command line; resolves with the exit code: 0 done, 1 Orderly refused or could
 * not be reached, 2 a usage error (the message says which, and `--help` says how).
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
      default:
        throw new CliUsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof CliApiError) {
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
