/** An error described for logs: name and message, no stack. Ours never contain query text. */
export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
