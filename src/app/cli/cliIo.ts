/** What the CLI touches outside itself, handed in so that tests can run it in process. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Whether stderr is a terminal, where progress may redraw one line. @default false */
  readonly stderrIsTTY?: boolean;
  /**
   * Calls `handler` on Ctrl-C (SIGINT) instead of ending the process, until the returned cleanup
   * is called. Only commands that follow something (`tail`, `simulate`) ask. @default never called
   */
  readonly onInterrupt?: (handler: () => void) => () => void;
}

/** The command line asks for something that cannot be done as asked; exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** What was asked could not be done (a broker refused or is down, the connection dropped); exit code 1. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}
