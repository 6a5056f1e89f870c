/**
 * What ends a command with a message: exit 2 for a usage mistake (an unknown flag, a bad value),
 * exit 1 for everything the hub or the network refused. The message is one line.
 */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** A usage mistake: exit 2. */
export const usageError = (message: string) => new CliError(message, 2);
