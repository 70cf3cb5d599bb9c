#!/usr/bin/env node
import { runCli } from './runCli.js';

// The `orderly` command: the only place of the CLI that touches the process.
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
  onInterrupt: (handler) => {
    process.once('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
});
process.exitCode = code;
