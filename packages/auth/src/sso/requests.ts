import { randomBytes, randomUUID } from 'node:crypto';
import type { SsoRequest } from '@postern/store';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { hashToken } from '../secrets';

// A sign-in in flight lives in the store (sso_requests), not in a cookie: any replica can
// finish what another started, each step is one-time by a conditional update (a replayed
// callback finds used_at set), nothing secret (PKCE verifier, nonce) travels through the
// browser, and the CLI's leg (CSR, loopback URL, one-time code) needs a server-side home
// anyway. The browser gets only a random binding cookie, so that a callback URL is
// worthless in any other browser (login CSRF).

/** From the redirect to the identity provider until its answer. */
export const SSO_REQUEST_TTL_MS = 10 * 60_000;
/** From the loopback redirect until `postern login` exchanges the code. */
export const CLI_CODE_TTL_MS = 2 * 60_000;
/** How long a refusal page can be read after its request expired. */
const REFUSAL_READABLE_MS = 60 * 60_000;
/** Rows older than this past their expiry are deleted when new sign-ins start. */
const KEEP_EXPIRED_MS = 24 * 3600_000;

export interface NewSsoRequest {
  connector: string;
  kind: 'web' | 'cli';
  /** From newState(); sent to the identity provider, stored only as a hash. */
  state: string;
  nextPath?: string;
  /** OIDC: nonce and PKCE verifier. SAML: the AuthnRequest's ID. */
  protocol: { nonce?: string; codeVerifier?: string; samlRequestId?: string };
  cli?: { redirect: string; challenge: string; csr: string; ttl?: string | undefined };
}

export interface StartedRequest {
  id: string;
  /** web: the value of the binding cookie to set. */
  binding: string | undefined;
  expiresAt: Date;
}

function randomValue(): string {
  return randomBytes(32).toString('base64url');
}

export function newState(): string {
  return randomValue();
}

export async function createSsoRequest(ctx: AuthContext, req: NewSsoRequest): Promise<StartedRequest> {
  const now = ctx.now();
  await ctx.store.prisma.ssoRequest.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - KEEP_EXPIRED_MS) } } });
  const id = randomUUID();
  const binding = req.kind === 'web' ? randomValue() : undefined;
  const expiresAt = new Date(now.getTime() + SSO_REQUEST_TTL_MS);
  await ctx.store.prisma.ssoRequest.create({
    data: {
      id,
      stateHash: hashToken(req.state),
      connector: req.connector,
      kind: req.kind,
      bindingHash: binding ? hashToken(binding) : null,
      nextPath: req.nextPath ?? '/',
      nonce: req.protocol.nonce ?? null,
      codeVerifier: req.protocol.codeVerifier ?? null,
      samlRequestId: req.protocol.samlRequestId ?? null,
      cliRedirect: req.cli?.redirect ?? null,
      cliChallenge: req.cli?.challenge ?? null,
      cliCsr: req.cli?.csr ?? null,
      cliTtl: req.cli?.ttl ?? null,
      expiresAt,
    },
  });
  return { id, binding, expiresAt };
}

export const UNKNOWN_REQUEST = 'this sign-in is unknown or has expired: start the sign-in again';

/** The request a callback answers, looked up by its state, before anything is checked. */
export async function findSsoRequest(ctx: AuthContext, connector: string, state: string | null | undefined): Promise<SsoRequest> {
  if (!state) throw new AuthError('bad_request', `the identity provider's answer has no state: start the sign-in again from Postern (sign-ins started at the identity provider are not supported)`);
  const row = state.length <= 200 ? await ctx.store.prisma.ssoRequest.findUnique({ where: { stateHash: hashToken(state) } }) : null;
  if (!row || row.connector !== connector) throw new AuthError('bad_request', UNKNOWN_REQUEST);
  return row;
}

/**
 * Marks the request used, once: checks its age and (in a browser) that this browser
 * started it, then sets used_at only if nobody did before. Anything that comes second (a
 * reload, a replay) is refused.
 */
export async function consumeSsoRequest(ctx: AuthContext, row: SsoRequest, binding: string | undefined): Promise<void> {
  const now = ctx.now();
  if (row.usedAt) throw new AuthError('bad_request', 'this sign-in answer was already used (a reload, or a replay): start the sign-in again');
  if (row.expiresAt <= now) throw new AuthError('bad_request', `this sign-in took longer than ${SSO_REQUEST_TTL_MS / 60_000} minutes and expired: start it again`);
  if (row.kind === 'web' && (!binding || !row.bindingHash || hashToken(binding) !== row.bindingHash)) {
    throw new AuthError('bad_request', 'this sign-in was started in another browser (or its cookie is gone): start the sign-in again in this browser');
  }
  const { count } = await ctx.store.prisma.ssoRequest.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: now } });
  if (count !== 1) throw new AuthError('bad_request', 'this sign-in answer was already used (a reload, or a replay): start the sign-in again');
}

export interface RefusalInfo {
  connector: string;
  display: string;
  user?: string | undefined;
  reason: string;
  claims: Record<string, string[]>;
}

export async function recordRefusal(ctx: AuthContext, id: string, refusal: RefusalInfo): Promise<void> {
  await ctx.store.prisma.ssoRequest.update({ where: { id }, data: { refusal: { ...refusal } } });
}

/** What the refusal page shows, while it may. */
export async function readRefusal(ctx: AuthContext, id: string): Promise<RefusalInfo | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const row = await ctx.store.prisma.ssoRequest.findUnique({ where: { id } });
  if (!row?.refusal || row.expiresAt.getTime() + REFUSAL_READABLE_MS <= ctx.now().getTime()) return undefined;
  return row.refusal as unknown as RefusalInfo;
}

/** A one-time code for `postern login`'s loopback server, tied to the person who signed in. */
export async function issueCliCode(ctx: AuthContext, row: SsoRequest, userId: string): Promise<string> {
  const code = `psc_${randomValue()}`;
  await ctx.store.prisma.ssoRequest.update({
    where: { id: row.id },
    data: { cliCodeHash: hashToken(code), userId, expiresAt: new Date(ctx.now().getTime() + CLI_CODE_TTL_MS) },
  });
  return code;
}
