import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import type * as Samlify from 'samlify';
import { registerCleanup } from './cleanup-registry';
import { createTestPki } from './test-pki';

export interface SamlTestUser {
  username: string;
  password: string;
  /** The NameID; default: the user name. */
  nameId?: string;
  /** Attributes of the assertion; a list becomes several AttributeValues. */
  attributes?: Record<string, string | string[]>;
}

export interface SamlTestServiceProvider {
  entityId: string;
  acsUrl: string;
}

export interface StartSamlIdpOptions {
  users: SamlTestUser[];
  serviceProviders?: SamlTestServiceProvider[];
}

export interface TestSamlIdp {
  /** http://127.0.0.1:PORT */
  url: string;
  entityId: string;
  metadataUrl: string;
  metadataXml: string;
  /** The certificate the IdP signs with (PEM). */
  certPem: string;
  addServiceProvider(sp: SamlTestServiceProvider): void;
  /** Selectors of the login form, for a browser driving it. */
  loginForm: { username: string; password: string; submit: string };
  stop(): Promise<void>;
}

const NS_ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NS_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const PENDING_TTL_MS = 10 * 60_000;

let validatorSet = false;
function ensureValidator(samlify: typeof Samlify): void {
  if (validatorSet) return;
  // samlify insists on an XML schema validator; this IdP only talks to the SP under test.
  samlify.setSchemaValidator({ validate: () => Promise.resolve('skipped') });
  validatorSet = true;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>${body}</body></html>`;
}

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** The Issuer of a redirect-binding AuthnRequest, to find which registered SP sent it. */
function requestIssuer(samlRequest: string): string | undefined {
  const xml = inflateRawSync(Buffer.from(samlRequest, 'base64')).toString('utf8');
  return /<(?:\w+:)?Issuer[^>]*>([^<]+)<\/(?:\w+:)?Issuer>/.exec(xml)?.[1]?.trim();
}

function assertionXml(args: {
  responseId: string;
  assertionId: string;
  inResponseTo: string;
  issuer: string;
  sp: SamlTestServiceProvider;
  user: SamlTestUser;
  now: Date;
}): string {
  const { responseId, assertionId, inResponseTo, issuer, sp, user, now } = args;
  const instant = now.toISOString();
  const later = new Date(now.getTime() + 5 * 60_000).toISOString();
  const attributes = Object.entries(user.attributes ?? {})
    .map(([name, value]) => {
      const values = (Array.isArray(value) ? value : [value])
        .map((v) => `<saml:AttributeValue xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`)
        .join('');
      return `<saml:Attribute Name="${esc(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values}</saml:Attribute>`;
    })
    .join('');
  return (
    `<samlp:Response xmlns:samlp="${NS_PROTOCOL}" xmlns:saml="${NS_ASSERTION}" ID="${responseId}" Version="2.0" IssueInstant="${instant}" Destination="${esc(sp.acsUrl)}" InResponseTo="${esc(inResponseTo)}">` +
    `<saml:Issuer>${esc(issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="${assertionId}" Version="2.0" IssueInstant="${instant}">` +
    `<saml:Issuer>${esc(issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${esc(user.nameId ?? user.username)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${later}" Recipient="${esc(sp.acsUrl)}" InResponseTo="${esc(inResponseTo)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${instant}" NotOnOrAfter="${later}"><saml:AudienceRestriction><saml:Audience>${esc(sp.entityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${instant}" SessionIndex="${assertionId}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    `</saml:Assertion></samlp:Response>`
  );
}

/**
 * A SAML 2.0 identity provider (samlify) on a free loopback port: metadata at /metadata,
 * the HTTP-Redirect binding at /sso with a user name + password form, and a signed
 * SAMLResponse (signed assertion) auto-POSTed to the service provider's ACS.
 */
export async function startSamlIdp(opts: StartSamlIdpOptions): Promise<TestSamlIdp> {
  // Loaded on demand, like the OIDC provider: most tests that import @postern/testing need neither.
  const samlify = await import('samlify');
  ensureValidator(samlify);
  const pki = await createTestPki();
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const entityId = `${url}/metadata`;
  const idp = samlify.IdentityProvider({
    entityID: entityId,
    privateKey: pki.server.keyPem,
    signingCert: pki.server.certPem,
    wantAuthnRequestsSigned: false,
    nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified'],
    singleSignOnService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: `${url}/sso` }],
    // Not served (the tests sign out on Postern's side only); samlify complains without one.
    singleLogoutService: [{ Binding: samlify.Constants.namespace.binding.redirect, Location: `${url}/slo` }],
  });
  const metadataXml = idp.getMetadata();
  const sps = new Map<string, SamlTestServiceProvider>();
  for (const sp of opts.serviceProviders ?? []) sps.set(sp.entityId, sp);
  const users = new Map(opts.users.map((u) => [u.username, u]));
  const pending = new Map<string, { sp: SamlTestServiceProvider; requestId: string; relayState: string | undefined; at: number }>();

  const spEntity = (sp: SamlTestServiceProvider) =>
    samlify.ServiceProvider({
      entityID: sp.entityId,
      wantAssertionsSigned: true,
      authnRequestsSigned: false,
      assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: sp.acsUrl }],
    });

  const loginPage = (id: string, error = '') =>
    page(
      'Test IdP sign-in',
      `<h1>Test SAML IdP</h1>${error ? `<p role="alert">${esc(error)}</p>` : ''}<form method="post" action="/login">` +
        `<input type="hidden" name="pending" value="${esc(id)}">` +
        `<label>User <input name="username" autocomplete="username"></label>` +
        `<label>Password <input name="password" type="password"></label>` +
        `<button type="submit">Sign in</button></form>`,
    );

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reqUrl = new URL(req.url ?? '/', url);
    const send = (status: number, body: string, type = 'text/html; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method === 'GET' && reqUrl.pathname === '/metadata') return send(200, metadataXml, 'application/samlmetadata+xml');
    if (req.method === 'GET' && reqUrl.pathname === '/sso') {
      const samlRequest = reqUrl.searchParams.get('SAMLRequest');
      if (!samlRequest) return send(400, page('error', 'no SAMLRequest'));
      const issuer = requestIssuer(samlRequest);
      const sp = issuer ? sps.get(issuer) : undefined;
      if (!sp) return send(400, page('error', `unknown service provider ${esc(issuer ?? '(none)')}`));
      const parsed = await idp.parseLoginRequest(spEntity(sp), 'redirect', { query: Object.fromEntries(reqUrl.searchParams) });
      const requestId = String((parsed.extract.request as Record<string, unknown> | undefined)?.id ?? '');
      const id = randomBytes(16).toString('hex');
      pending.set(id, { sp, requestId, relayState: reqUrl.searchParams.get('RelayState') ?? undefined, at: Date.now() });
      return send(200, loginPage(id));
    }
    if (req.method === 'POST' && reqUrl.pathname === '/login') {
      const form = await readForm(req);
      const id = form.get('pending') ?? '';
      const p = pending.get(id);
      if (!p || Date.now() - p.at > PENDING_TTL_MS) return send(400, page('error', 'this sign-in expired; start again'));
      const user = users.get(form.get('username') ?? '');
      if (!user || user.password !== form.get('password')) return send(200, loginPage(id, 'wrong user name or password'));
      pending.delete(id);
      const responseId = `_${randomBytes(20).toString('hex')}`;
      const signedResponse = await idp.createLoginResponse(
        spEntity(p.sp),
        { extract: { request: { id: p.requestId } } },
        'post',
        { email: user.nameId ?? user.username },
        // The whole Response is written here (samlify's templates have one value per
        // attribute; groups need several); samlify signs its assertion.
        () => ({
          id: responseId,
          context: assertionXml({
            responseId,
            assertionId: `_${randomBytes(20).toString('hex')}`,
            inResponseTo: p.requestId,
            issuer: entityId,
            sp: p.sp,
            user,
            now: new Date(),
          }),
        }),
        false,
        p.relayState,
      );
      const response = { context: String(signedResponse.context) };
      const fields = `<input type="hidden" name="SAMLResponse" value="${esc(response.context)}">${
        p.relayState ? `<input type="hidden" name="RelayState" value="${esc(p.relayState)}">` : ''
      }`;
      return send(
        200,
        page(
          'Signing in…',
          `<form method="post" action="${esc(p.sp.acsUrl)}">${fields}<noscript><button type="submit">Continue</button></noscript></form>` +
            `<script>document.forms[0].submit()</script>`,
        ),
      );
    }
    send(404, page('not found', 'not found'));
  }

  server.on('request', (req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('test SAML IdP error:', err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String((err as Error).message ?? err));
    });
  });
  const unregister = registerCleanup(() => server.closeAllConnections());
  return {
    url,
    entityId,
    metadataUrl: `${url}/metadata`,
    metadataXml,
    certPem: pki.server.certPem,
    addServiceProvider: (sp) => void sps.set(sp.entityId, sp),
    loginForm: { username: 'input[name="username"]', password: 'input[name="password"]', submit: 'button[type="submit"]' },
    async stop() {
      unregister();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
