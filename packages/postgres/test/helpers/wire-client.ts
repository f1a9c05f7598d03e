import { WireClient as RawWireClient } from '@postern/testing/wire-client';

/**
 * A hand-driven PostgreSQL client for tests: writes raw bytes and reads raw answers,
 * decoding typed messages with its own few lines rather than the package's framer.
 */
export class WireClient extends RawWireClient {
  /** One typed message: its type letter and body. */
  async readMessage(timeoutMs = 5_000): Promise<{ type: string; body: Buffer }> {
    const header = await this.read(5, timeoutMs);
    const body = await this.read(header.readInt32BE(1) - 4, timeoutMs);
    return { type: String.fromCharCode(header[0]!), body };
  }

  /** Messages until (and including) one of the given type. */
  async readUntil(type: string, timeoutMs = 10_000): Promise<{ type: string; body: Buffer }[]> {
    const messages: { type: string; body: Buffer }[] = [];
    for (;;) {
      const message = await this.readMessage(timeoutMs);
      messages.push(message);
      if (message.type === type) return messages;
    }
  }
}

/** Error fields of an ErrorResponse body, decoded independently of the package. */
export function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let pos = 0;
  while (pos < body.length && body[pos] !== 0) {
    const type = String.fromCharCode(body[pos]!);
    const end = body.indexOf(0, pos + 1);
    fields[type] = body.toString('utf8', pos + 1, end);
    pos = end + 1;
  }
  return fields;
}
