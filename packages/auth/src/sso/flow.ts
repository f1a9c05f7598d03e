import { createHash, timingSafeEqual } from 'node:crypto';
import type { LoginResponse, SsoCliExchangeRequest, SsoCliStartRequest, SsoCliStartResponse } from '@postern/api';
import type { ConnectorConfig } from '@postern/config';
import { parseCsr } from '@postern/pki';
import { parseDuration, RbacError } from '@postern/rbac';
import type { SsoRequest } from '@postern/store';
import { emit } from '../audit/record';
import { asBadRequest } from '../certs/pki-errors';
import type { AuthContext } from '../context';
import { AuthError, isAuthError } from '../errors';
import { issueCliLogin } from '../login/cli-login';
import type { CheckedUser } from '../login/local-login';
import { resolveRoles } from '../roles/resolve-roles';
import { hashToken } from '../secrets';
import { startWebSession, type WebSession } from '../sessions/web-session';
import { requireConnector } from './connectors';
import { finishOidc, startOidc } from './oidc';
import {
  consumeSsoRequest,
  createSsoRequest,
  findSsoRequest,
  issueCliCode,
  newState,
  recordRefusal,
  type NewSsoRequest,
} from './requests';
import { finishSaml, startSaml } from './saml';
import { signInSsoUser, SsoRefusal, type SsoIdentity } from './sso-user';

async function startRequest(ctx: AuthContext, c: ConnectorConfig, req: Omit<NewSsoRequest, 'state' | 'protocol' | 'connector'>) {
  const state = newState();
  if (c.type === 'oidc') {
    const { url, nonce, codeVerifier } = await startOidc(ctx, c, state);
    return { url, started: await createSsoRequest(ctx, { ...req, connector: c.name, state, protocol: { nonce, codeVerifier } }) };
  }
  const { url, requestId } = await startSaml(ctx, c, state);
  return { url, started: await createSsoRequest(ctx, { ...req, connector: c.name, state, protocol: { samlRequestId: requestId } }) };
}

/** A browser sign-in: the identity provider's URL, and the binding cookie the browser must bring back. */
export async function beginWebSso(ctx: AuthContext, name: string, nextPath: string) {
  const c = await requireConnector(ctx, name);
  const { url, started } = await startRequest(ctx, c, { kind: 'web', nextPath });
  return { url, binding: started.binding!, expiresAt: started.expiresAt };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Only the person's own machine may receive the one-time code: http://127.0.0.1:PORT/… */
function loopbackRedirect(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AuthError('bad_request', 'redirect_url: not a URL');
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname) || !url.port || url.username || url.password || url.hash) {
    throw new AuthError('bad_request', 'redirect_url: only a loopback URL such as http://127.0.0.1:PORT/callback is allowed');
  }
  return url.href;
}

/** `postern login --auth <connector>`: the URL to open in a browser; the sign-in ends on the CLI's loopback server. */
export async function beginCliSso(ctx: AuthContext, name: string, req: SsoCliStartRequest): Promise<SsoCliStartResponse> {
  const c = await requireConnector(ctx, name);
  asBadRequest(() => parseCsr(req.csr));
  if (req.ttl) {
    try {
      parseDuration(req.ttl);
    } catch (err) {
      if (err instanceof RbacError) throw new AuthError('bad_request', `ttl: ${err.message}`);
      throw err;
    }
  }
  const redirect = loopbackRedirect(req.redirect_url);
  const { url, started } = await startRequest(ctx, c, { kind: 'cli', cli: { redirect, challenge: req.code_challenge, csr: req.csr, ttl: req.ttl } });
  return { auth_url: url, expires: started.expiresAt.toISOString() };
}

/** What came back from the identity provider: the callback's query (OIDC) or the POSTed form (SAML). */
export interface SsoAnswer {
  /** OIDC: the callback URL's query. */
  query?: URLSearchParams;
  /** SAML: the ACS form. */
  form?: { SAMLResponse?: string | undefined; RelayState?: string | undefined };
  /** The binding cookie's value, if the browser sent one. */
  binding: string | undefined;
  addr: string;
}

export type SsoFinish =
  /** A browser sign-in succeeded: set the session cookie and go to `next`. */
  | { kind: 'web'; user: CheckedUser; session: WebSession; next: string }
  /** A browser sign-in was refused for a reason the refusal page shows (kept with the request). */
  | { kind: 'refused'; refusalId: string }
  /** `postern login`: send the browser to the loopback server, with a code or an error. */
  | { kind: 'cli'; location: string; error?: string };

function withParams(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

async function verifyAnswer(ctx: AuthContext, c: ConnectorConfig, row: SsoRequest, answer: SsoAnswer): Promise<SsoIdentity> {
  if (c.type === 'oidc') {
    const claims = await finishOidc(ctx, c, row, answer.query!);
    // Where people may type any address into their IdP profile, an unverified email would
    // let one person sign in under another's name.
    if (c.username_claim === 'email' && claims.email_verified === false) {
      throw new AuthError('forbidden', `the identity provider says the email address ${String(claims.email).slice(0, 100)} is not verified: verify it there, then sign in again`);
    }
    const value = claims[c.username_claim];
    return { username: typeof value === 'string' && value.length > 0 ? value : undefined, claims };
  }
  return finishSaml(ctx, c, row, answer.form!.SAMLResponse!);
}

/**
 * The identity provider's answer: finds and uses up the request it answers, verifies it,
 * maps the claims to roles and signs the person in (a browser session, or a one-time code
 * for the CLI). Every failure is audited as a failed user.login; a refusal is kept for the
 * refusal page; a CLI sign-in learns of failures on its loopback server.
 */
export async function finishSso(ctx: AuthContext, name: string, answer: SsoAnswer): Promise<SsoFinish> {
  const c = await requireConnector(ctx, name);
  let row: SsoRequest | undefined;
  let user: string | undefined;
  try {
    const isOidc = c.type === 'oidc';
    if (isOidc ? !answer.query : !answer.form?.SAMLResponse) {
      throw new AuthError('bad_request', isOidc ? `connector ${c.name} is an OIDC connector: its answers come to /callback` : `no SAMLResponse in the form posted to connector ${c.name}`);
    }
    row = await findSsoRequest(ctx, c.name, isOidc ? answer.query!.get('state') : answer.form!.RelayState);
    await consumeSsoRequest(ctx, row, answer.binding);
    const identity = await verifyAnswer(ctx, c, row, answer);
    user = identity.username;
    const checked = await signInSsoUser(ctx, c, identity);
    emit(ctx, 'user.login', { user: checked.name, method: c.type, connector: c.name, addr: answer.addr, success: true });
    if (row.kind === 'cli') {
      const code = await issueCliCode(ctx, row, checked.id);
      return { kind: 'cli', location: withParams(row.cliRedirect!, { code }) };
    }
    return { kind: 'web', user: checked, session: await startWebSession(ctx, checked), next: row.nextPath };
  } catch (err) {
    let message: string;
    if (err instanceof SsoRefusal) message = err.message;
    else if (isAuthError(err)) message = err.message;
    else {
      ctx.log.error({ err, connector: c.name }, 'SSO sign-in failed');
      message = 'internal error while checking the sign-in; the server log has the details';
    }
    emit(ctx, 'user.login', {
      ...(err instanceof SsoRefusal ? (err.info.user ? { user: err.info.user } : {}) : user ? { user } : {}),
      method: c.type,
      connector: c.name,
      addr: answer.addr,
      success: false,
      error: message,
    });
    if (err instanceof SsoRefusal && row) await recordRefusal(ctx, row.id, err.info);
    if (row?.kind === 'cli' && row.cliRedirect) return { kind: 'cli', location: withParams(row.cliRedirect, { error: message }), error: message };
    if (err instanceof SsoRefusal && row) return { kind: 'refused', refusalId: row.id };
    if (isAuthError(err)) throw err;
    throw new AuthError('unavailable', message);
  }
}

const BAD_CODE = 'this sign-in code is unknown, expired or already used: run `postern login` again';

/** `postern login` trades the one-time code and its PKCE verifier for a certificate and a CLI session. */
export async function exchangeCliCode(ctx: AuthContext, req: SsoCliExchangeRequest): Promise<LoginResponse> {
  const now = ctx.now();
  const row = await ctx.store.prisma.ssoRequest.findUnique({ where: { cliCodeHash: hashToken(req.code) } });
  if (!row || row.kind !== 'cli' || !row.userId || !row.cliChallenge || !row.cliCsr || row.exchangedAt || row.expiresAt <= now) {
    throw new AuthError('unauthenticated', BAD_CODE);
  }
  // Spent on the first attempt, right or wrong: a code cannot be tried twice.
  const { count } = await ctx.store.prisma.ssoRequest.updateMany({ where: { id: row.id, exchangedAt: null }, data: { exchangedAt: now } });
  if (count !== 1) throw new AuthError('unauthenticated', BAD_CODE);
  const challenge = Buffer.from(createHash('sha256').update(req.code_verifier).digest('base64url'));
  const expected = Buffer.from(row.cliChallenge);
  if (challenge.length !== expected.length || !timingSafeEqual(challenge, expected)) {
    throw new AuthError('unauthenticated', "the code verifier does not match this sign-in's challenge: run `postern login` again");
  }
  const user = await ctx.store.prisma.user.findUnique({ where: { id: row.userId } });
  if (!user) throw new AuthError('unauthenticated', BAD_CODE);
  if (user.locked) throw new AuthError('locked', `user ${user.name} is locked; ask an admin to unlock it`);
  const roles = await resolveRoles(ctx, user.roles);
  const checked: CheckedUser = { id: user.id, name: user.name, roleNames: user.roles, roles, traits: (user.traits ?? {}) as Record<string, string[]> };
  return issueCliLogin(ctx, checked, row.cliCsr, row.cliTtl ?? undefined);
}
