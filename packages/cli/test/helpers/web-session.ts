import { completeSignup, totpNow } from './api';
import type { Cluster } from './cluster';

/** A browser's view of the web app: its session cookie and the page's anti-CSRF token. */
export interface WebSession {
  cookie: string;
  csrf: string;
}

export interface PageAnswer {
  status: number;
  text: string;
}

export interface ApiAnswer extends PageAnswer {
  json: Record<string, any>;
}

/** A page as a browser gets it, without following redirects (a redirect to /login is an answer too). */
export async function getPage(c: Cluster, s: WebSession | undefined, path: string): Promise<PageAnswer> {
  const res = await fetch(`${c.url}${path}`, { headers: s ? { cookie: s.cookie } : {}, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

/**
 * An API call riding on the session cookie, as the pages make it. By default it carries
 * what a same-origin page sends (the CSRF header and our Origin); `csrf: false` or another
 * `origin` make it look like a forged cross-site request.
 */
export async function callWithCookie(
  c: Cluster,
  s: WebSession,
  method: string,
  path: string,
  body?: unknown,
  opts: { csrf?: boolean; origin?: string } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { cookie: s.cookie, origin: opts.origin ?? c.url };
  if (opts.csrf !== false) headers['x-csrf-token'] = s.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${c.url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: Record<string, any> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, any>) : {};
  } catch {
    // not JSON (an export, a page): the text is the answer
  }
  return { status: res.status, text, json };
}

/** Adds a user with the admin CLI, completes its sign-up and signs it in through POST /login/web. */
export async function newWebUser(c: Cluster, name: string, roles: string[], password: string): Promise<WebSession> {
  const added = await c.postern(['admin', 'users', 'add', name, '--roles', roles.join(','), '--format', 'json', '--config', c.configFile]);
  if (added.code !== 0) throw new Error(`users add ${name}: ${added.stderr}`);
  const secret = await completeSignup(c.url, (JSON.parse(added.stdout) as { signup_url: string }).signup_url, password);
  const login = await fetch(`${c.url}/api/v1/login/web`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: name, password, ...(secret ? { otp: totpNow(secret) } : {}) }),
  });
  if (login.status !== 200) throw new Error(`login ${name}: HTTP ${login.status} ${await login.text()}`);
  const cookie = /(postern_session=[^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error(`login ${name}: no session cookie`);
  // Every page's layout carries the token in <meta name="postern-csrf">. The sign-up page
  // renders for anyone (a 403 page is an error shell whose layout arrives in the RSC payload).
  const page = await getPage(c, { cookie, csrf: '' }, '/signup/csrf-probe');
  const csrf = /<meta name="postern-csrf" content="([^"]+)"/.exec(page.text)?.[1];
  if (!csrf) throw new Error(`no CSRF token on the page for ${name} (HTTP ${page.status})`);
  return { cookie, csrf };
}
