import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CliError } from './errors';
import { streamApi, type StreamOptions } from './http-stream';
import type { ApiTarget } from './http';

/**
 * Cuts bytes into lines and hands each, parsed as JSON, to `onValue` as soon as its newline
 * arrives (so progress shows while the answer is still coming). What `onValue` throws, or a
 * line that is not JSON, fails the stream.
 */
class JsonLines extends Writable {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  /** The first failure: kept, since the stream reports it a tick later, maybe after the answer ended. */
  failure: Error | undefined;

  constructor(
    private readonly onValue: (value: unknown) => void,
    private readonly from: string,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      const lines = (this.rest + this.decoder.write(chunk)).split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) this.line(line);
      done();
    } catch (err) {
      this.failure ??= err as Error;
      done(err as Error);
    }
  }

  /** The text after the last newline: a last line the server did not end with one. */
  flushRest(): void {
    const last = this.rest + this.decoder.end();
    this.rest = '';
    this.line(last);
  }

  private line(text: string): void {
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new CliError(`unexpected answer from ${this.from}: a line that is not JSON (${text.slice(0, 80)})`);
    }
    this.onValue(value);
  }
}

/**
 * GET an answer of JSON lines (application/x-ndjson) and call `onValue` with each line as it
 * arrives. HTTP errors, an answer cut off midway and what `onValue` throws reject it.
 */
export async function readApiLines(target: ApiTarget, path: string, onValue: (value: unknown) => void, opts: StreamOptions = {}): Promise<void> {
  const lines = new JsonLines(onValue, target.url);
  try {
    await streamApi(target, path, lines, opts);
  } catch (err) {
    throw lines.failure ?? err;
  }
  if (lines.failure) throw lines.failure;
  lines.flushRest();
}
