import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loginResponse, ssoCliStartResponse, type LoginResponse } from '@postern/api';
import { createCsr, generateKeyPair, type KeyPair } from '@postern/pki';
import { CliError } from './errors';
import { callApi, type ApiTarget } from './http';

// `postern login --auth <connector>`, as `tsh login` does it: a key and CSR made here, a
// loopback HTTP server for the browser to come back to, the identity provider in the
// browser, then a one-time code from the loopback redirect exchanged (with the PKCE-style
// verifier only this process knows) for the certificate. The code is worthless to anyone
// who sees it in a browser history or a log without the verifier.

/** Longest wait for the person to finish in the browser (the server's request lasts 10 minutes). */
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

interface LoopbackResult {
  code?: string;
  error?: string;
  /** Answers the browser's waiting request with the outcome, then the server closes. */
  finish(ok: boolean, message: string): void;
}

interface Loopback {
  redirectUrl: string;
  result: Promise<LoopbackResult>;
  close(): void;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function resultPage(ok: boolean, message: string): string {
  const title = ok ? 'Signed in to Postern' : 'Postern sign-in failed';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; line-height: 1.5">
<h1 style="font-size: 1.4rem">${title}</h1><p id="message">${esc(message)}</p></body></html>`;
}

/** A server on 127.0.0.1:<random port> that waits for one /callback carrying our state. */
async function startLoopback(): Promise<Loopback> {
  const state = randomBytes(16).toString('base64url');
  let deliver!: (r: LoopbackResult) => void;
  const result = new Promise<LoopbackResult>((resolve) => (deliver = resolve));
  let delivered = false;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
      res.end(body);
    };
    // Anything else a browser asks for (favicon, a stray tab) is not the sign-in.
    if (req.method !== 'GET' || url.pathname !== '/callback' || url.searchParams.get('state') !== state || delivered) {
      send(404, resultPage(false, 'This is not the page of a Postern sign-in in progress.'));
      return;
    }
    delivered = true;
    const code = url.searchParams.get('code') ?? undefined;
    const error = url.searchParams.get('error') ?? (code ? undefined : 'the sign-in came back without a code');
    deliver({ code, error, finish: (ok, message) => send(ok ? 200 : 400, resultPage(ok, message)) });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new CliError(`cannot listen on 127.0.0.1 for the sign-in callback: ${err.message}`)));
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    redirectUrl: `http://127.0.0.1:${port}/callback?state=${state}`,
    result,
    close() {
      server.close();
      // Let the final page go out before the connections are cut.
      setTimeout(() => server.closeAllConnections(), 200).unref();
    },
  };
}

/** Opens the URL in $BROWSER, else the desktop's opener; false when there is none. */
function openBrowser(url: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (env.POSTERN_NO_BROWSER === '1') return Promise.resolve(false);
  const command = env.BROWSER || (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open');
  return new Promise((resolve) => {
    try {
      const child = spawn(command, [url], { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

function timeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CliError(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface SsoLoginOptions {
  connector: string;
  ttl?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Signs in through an SSO connector in the browser; the certificate is for a key made here. */
export async function ssoLogin(target: ApiTarget, opts: SsoLoginOptions): Promise<{ res: LoginResponse; key: KeyPair }> {
  const env = opts.env ?? process.env;
  const key = await generateKeyPair();
  // The subject is the CA's to decide (from the sign-in), whatever the CSR says.
  const csr = createCsr(key, 'postern-sso-login');
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const loopback = await startLoopback();
  try {
    const started = await callApi(target, 'POST', `/sso/${encodeURIComponent(opts.connector)}/cli`, ssoCliStartResponse, {
      csr,
      ...(opts.ttl ? { ttl: opts.ttl } : {}),
      redirect_url: loopback.redirectUrl,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const opened = await openBrowser(started.auth_url, env);
    process.stderr.write(
      opened
        ? `Opening your browser to sign in with ${opts.connector}. If it does not open, go to:\n  ${started.auth_url}\n`
        : `Open this URL in a browser to sign in with ${opts.connector}:\n  ${started.auth_url}\n`,
    );
    const waitMs = Math.max(1_000, Math.min(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, new Date(started.expires).getTime() - Date.now()));
    const back = await timeout(
      loopback.result,
      waitMs,
      `the sign-in was not completed in the browser within ${Math.round(waitMs / 1000)} s: run \`postern login\` again`,
    );
    if (back.error || !back.code) {
      const why = back.error ?? 'no code';
      back.finish(false, `${why}. You can close this tab.`);
      throw new CliError(`SSO sign-in with ${opts.connector} failed: ${why}`);
    }
    let res: LoginResponse;
    try {
      res = await callApi(target, 'POST', '/sso/cli/exchange', loginResponse, { code: back.code, code_verifier: verifier });
    } catch (err) {
      back.finish(false, `${(err as Error).message}. You can close this tab.`);
      throw err;
    }
    back.finish(true, `You are signed in as ${res.user}. You can close this tab and go back to the terminal.`);
    return { res, key };
  } finally {
    loopback.close();
  }
}
