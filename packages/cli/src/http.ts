import http from 'node:http';
import https from 'node:https';
import { API_PREFIX, errorBody } from '@postern/api';
import type { z } from 'zod';
import { CliError } from './errors';

export interface ApiTarget {
  /** http(s)://host:port of the proxy (or the web server directly). */
  url: string;
  /** PEM CA bundle to trust for https, in addition to the system's. */
  ca?: string;
  insecure?: boolean;
  authorization?: string;
}

/** `HOST:PORT` means https; a full URL keeps its scheme. */
export function normalizeProxyUrl(proxy: string): string {
  const withScheme = /^https?:\/\//.test(proxy) ? proxy : `https://${proxy}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`--proxy: "${proxy}" is not HOST:PORT or a URL`);
  }
  return url.origin;
}

interface RawResponse {
  status: number;
  body: string;
}

function send(target: ApiTarget, method: string, path: string, body?: string, timeoutMs = 30_000): Promise<RawResponse> {
  const url = new URL(API_PREFIX + path, target.url);
  const lib = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (target.authorization) headers.authorization = target.authorization;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method,
        headers,
        timeout: timeoutMs,
        ...(url.protocol === 'https:' ? { ca: target.ca, rejectUnauthorized: !target.insecure } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'ECONNREFUSED'
          ? 'connection refused (is `postern start` running there?)'
          : err.code === 'ENOTFOUND'
            ? 'unknown host'
            : err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || err.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || err.code === 'SELF_SIGNED_CERT_IN_CHAIN'
              ? `its TLS certificate is not trusted (${err.code}); pass --ca-file with the cluster's host CA, or --insecure once to fetch it`
              : err.message;
      reject(new CliError(`cannot reach ${target.url}: ${why}`));
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Calls the Auth Service API; a non-2xx answer becomes a CliError with the server's message. */
export async function callApi<S extends z.ZodType>(
  target: ApiTarget,
  method: string,
  path: string,
  schema: S | null,
  body?: unknown,
  opts: { timeoutMs?: number } = {},
): Promise<z.infer<S>> {
  const res = await send(target, method, path, body === undefined ? undefined : JSON.stringify(body), opts.timeoutMs);
  let json: unknown = undefined;
  if (res.body.length > 0) {
    try {
      json = JSON.parse(res.body);
    } catch {
      throw new CliError(`unexpected answer from ${target.url} (HTTP ${res.status}): is this a Postern proxy?`);
    }
  }
  if (res.status < 200 || res.status >= 300) {
    const err = errorBody.safeParse(json);
    throw new CliError(err.success ? err.data.error.message : `HTTP ${res.status} from ${target.url}`);
  }
  if (!schema) return undefined as z.infer<S>;
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new CliError(`unexpected answer from ${target.url}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
