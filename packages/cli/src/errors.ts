/** An error for the person at the terminal: printed as `postern: <message>`, exit code 1 unless it says otherwise. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
