/** What the CLI touches outside itself, handed in so that tests can run it in process. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** The command line asks for something that cannot be done as asked; exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}
