import { parseArgs } from 'node:util';
import type { CliIo } from './cliIo.js';

export const START_HELP = `Usage: orderly start [--inspect]

Run Orderly, as \`npm start\` does: configured by the environment (ORDERLY_SOURCES, PORT, ...;
see the README), on the embedded in-memory broker and store by default. It prints where the
API, WebSocket, SSE and dashboard are, and shuts down cleanly on Ctrl-C or SIGTERM.

Options:
  --inspect            show the live actors in the Stately inspector (sets ORDERLY_INSPECT=1)
  -h, --help           this help
`;

const options = {
  inspect: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * `orderly start`: hands the process to Orderly's own entry point, which reads process.env,
 * installs its signal handlers and sets the exit code itself. Resolves once it has started
 * starting (with 0); a bad configuration exits 2 from there.
 */
export async function startCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], options, allowPositionals: false, strict: true });
  if (values.help) {
    io.stdout(START_HELP);
    return 0;
  }
  if (values.inspect) process.env.ORDERLY_INSPECT = '1';
  await import('../main.js');
  return 0;
}
