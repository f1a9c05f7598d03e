import http from 'node:http';
import https from 'node:https';
import type { Writable } from 'node:stream';
import { API_PREFIX, errorBody } from '@postern/api';
import { CliError } from './errors';
import type { ApiTarget } from './http';

export interface StreamOptions {
  /** Longest silence from the server before giving up (30 s by default). */
  idleTimeoutMs?: number;
}

/**
 * GET an answer that is streamed (JSON lines) and copy its body to `out` as it arrives,
 * pausing while `out` is full, so that an export of millions of events never sits in
 * memory. Resolves when the server ended the body; an answer cut off midway is an error,
 * never a silently short export. A CliError that `out` fails with is the error.
 */
export function streamApi(target: ApiTarget, path: string, out: Writable, opts: StreamOptions = {}): Promise<void> {
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  const url = new URL(API_PREFIX + path, target.url);
  const lib = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { accept: 'application/x-ndjson, application/json' };
  if (target.authorization) headers.authorization = target.authorization;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, {
      method: 'GET',
      headers,
      timeout: idleMs,
      ...(url.protocol === 'https:' ? { ca: target.ca, rejectUnauthorized: !target.insecure } : {}),
    });
    const fail = (err: Error) => {
      req.destroy();
      reject(err);
    };
    req.on('timeout', () => fail(new CliError(`${target.url} sent nothing for ${idleMs >= 60_000 ? `${Math.round(idleMs / 60_000)} min` : `${Math.round(idleMs / 1000)} s`}`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(new CliError(`cannot reach ${target.url}: ${err.code === 'ECONNREFUSED' ? 'connection refused (is `postern start` running there?)' : err.message}`)),
    );
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let message = `HTTP ${status} from ${target.url}`;
          try {
            const parsed = errorBody.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            if (parsed.success) message = parsed.data.error.message;
          } catch {
            // Not JSON: the status says enough.
          }
          reject(new CliError(message));
        });
        return;
      }
      let ended = false;
      out.on('error', (err) => fail(err instanceof CliError ? err : new CliError(`cannot write the export: ${err.message}`)));
      res.on('data', (chunk: Buffer) => {
        if (!out.write(chunk)) {
          res.pause();
          out.once('drain', () => res.resume());
        }
      });
      res.on('end', () => {
        ended = true;
        resolve();
      });
      res.on('close', () => {
        if (!ended) reject(new CliError(`the answer from ${target.url} was cut off; the output is incomplete (the server log says why)`));
      });
    });
    req.end();
  });
}
