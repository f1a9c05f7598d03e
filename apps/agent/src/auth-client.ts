import http from 'node:http';
import https from 'node:https';
import { API_PREFIX, errorBody, HostRequestSigner } from '@postern/api';
import type { z } from 'zod';

export class AuthApiError extends Error {
  override name = 'AuthApiError';
  constructor(
    message: string,
    readonly status: number,
    /** The Auth Service's error code ('host_removed', …), when it answered with one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface HostCredentials {
  certPem: string;
  keyPem: string;
}

/**
 * The agent's calls to the Auth Service: through the proxy's HTTPS (verified against the
 * Host CA), or straight to the web app when both run in one process. Every call is signed
 * with the host's key (see @postern/api host-signature).
 */
export class AuthClient {
  private readonly agent: http.Agent;
  private readonly signer: HostRequestSigner | null;
  /**
   * Called when any call is refused as `host_removed`: an access lookup or a certificate
   * request can learn of the removal before the next heartbeat, which is what stops the agent.
   */
  onHostRemoved: (() => void) | null = null;

  constructor(
    private readonly baseUrl: string,
    creds: HostCredentials | null,
    private readonly tlsOpts: { ca?: string[]; insecure?: boolean } = {},
  ) {
    this.signer = creds ? new HostRequestSigner(creds.certPem, creds.keyPem) : null;
    this.agent = baseUrl.startsWith('https:')
      ? new https.Agent({ keepAlive: true, ca: tlsOpts.ca, rejectUnauthorized: !tlsOpts.insecure })
      : new http.Agent({ keepAlive: true });
  }

  async call<S extends z.ZodType>(method: string, path: string, body: unknown, schema: S | null): Promise<z.infer<S>> {
    return this.callJson(method, path, body === undefined ? '' : JSON.stringify(body), schema);
  }

  /** As call(), with the body already serialized (the audit spool keeps its events as JSON). */
  async callJson<S extends z.ZodType>(method: string, path: string, text: string, schema: S | null): Promise<z.infer<S>> {
    const url = new URL(API_PREFIX + path, this.baseUrl);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.signer) headers.authorization = this.signer.sign({ method, path: url.pathname, body: text });
    const lib = url.protocol === 'https:' ? https : http;
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = lib.request(url, { method, headers, agent: this.agent, timeout: 15_000 }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        r.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('the Auth Service did not answer within 15 s')));
      req.on('error', (err) => reject(new AuthApiError(`cannot reach the Auth Service at ${this.baseUrl}: ${err.message}`, 0)));
      req.end(text || undefined);
    });
    const json: unknown = res.body ? JSON.parse(res.body) : undefined;
    if (res.status < 200 || res.status >= 300) {
      const e = errorBody.safeParse(json);
      if (!e.success) throw new AuthApiError(`HTTP ${res.status}`, res.status);
      if (e.data.error.code === 'host_removed') this.onHostRemoved?.();
      throw new AuthApiError(e.data.error.message, res.status, e.data.error.code);
    }
    return schema ? schema.parse(json) : (undefined as z.infer<S>);
  }

  close(): void {
    this.agent.destroy();
  }
}
