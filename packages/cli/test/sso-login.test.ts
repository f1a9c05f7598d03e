import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  freePort,
  launchChromium,
  loopbackContext,
  startOidcProvider,
  startSamlIdp,
  type TestOidcProvider,
  type TestSamlIdp,
} from '@postern/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAdminIdentity } from '@postern/auth/admin-identity';
import { api } from './helpers/api';
import { POSTERN_BIN, startCluster, type Cluster } from './helpers/cluster';

// SSO end to end: a real cluster (web + proxy over HTTPS) with an OIDC connector pointing
// at a real OpenID Provider (npm oidc-provider) and a SAML connector pointing at a SAML
// IdP (samlify), driven by a real Chromium and the real CLI.

const CLIENT_SECRET = 'oidc-client-secret-do-not-leak';

describe('SSO: OIDC and SAML sign-in, in the browser and with postern login', () => {
  let oidc: TestOidcProvider;
  let saml: TestSamlIdp;
  let c: Cluster;
  let browser: Browser;
  let publicUrl: string;
  let proxyAddr: string;
  let hostCa: string;
  let adminToken: string;
  const contexts: BrowserContext[] = [];

  async function newPage(): Promise<Page> {
    const context = await loopbackContext(browser);
    contexts.push(context);
    return context.newPage();
  }

  async function admin(method: string, p: string, body?: unknown) {
    return api(c.url, method, p, body, { authorization: `Bearer ${adminToken}` });
  }

  async function oidcSignIn(page: Page, login: string): Promise<void> {
    await page.waitForSelector(oidc.loginForm.login);
    await page.fill(oidc.loginForm.login, login);
    await page.fill(oidc.loginForm.password, 'any password');
    await page.click(oidc.loginForm.submit);
  }

  async function samlSignIn(page: Page, username: string, password: string): Promise<void> {
    await page.waitForSelector(saml.loginForm.username);
    await page.fill(saml.loginForm.username, username);
    await page.fill(saml.loginForm.password, password);
    await page.click(saml.loginForm.submit);
  }

  /** The JSON a page shows (the whoami endpoint, opened in the browser with its cookie). */
  async function pageJson(page: Page): Promise<Record<string, any>> {
    return JSON.parse((await page.locator('body').innerText()).trim()) as Record<string, any>;
  }

  /**
   * Runs `postern login --auth <connector>` with no browser to open, reads the URL it
   * prints, lets `drive` sign in with it in Chromium, and returns how the CLI ended and
   * the loopback page's message.
   */
  async function cliLogin(connector: string, home: string, drive: (page: Page) => Promise<void>) {
    const child = spawn(process.execPath, [POSTERN_BIN, 'login', '--proxy', proxyAddr, '--ca-file', hostCa, '--auth', connector], {
      env: { ...process.env, POSTERN_HOME: home, POSTERN_NO_BROWSER: '1', BROWSER: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no sign-in URL on stderr:\n${stderr}`)), 30_000);
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /Open this URL in a browser[^\n]*\n\s+(\S+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', () => reject(new Error(`postern login exited early:\n${stderr}`)));
      });
      const page = await newPage();
      await page.goto(url);
      await drive(page);
      // The browser ends on the CLI's loopback server, which says how it went.
      await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback/);
      const message = await page.locator('#message').innerText();
      const code = await exited;
      return { url, code, stdout, stderr, message };
    } finally {
      child.kill();
    }
  }

  beforeAll(async () => {
    const proxyPort = await freePort();
    const mysqlPort = await freePort();
    publicUrl = `https://localhost:${proxyPort}`;
    proxyAddr = `localhost:${proxyPort}`;
    oidc = await startOidcProvider({
      users: [
        { login: 'alice', email: 'alice@example.com', groups: ['dba', 'staff'] },
        { login: 'bob', email: 'bob@example.com', groups: ['dev-web'] },
        { login: 'eve', email: 'eve@example.com', groups: ['guests'] },
      ],
      clients: [{ client_id: 'postern', client_secret: CLIENT_SECRET, redirect_uris: [`${publicUrl}/api/v1/sso/okta/callback`] }],
    });
    saml = await startSamlIdp({
      users: [
        { username: 'carol', password: 'carol-pw', nameId: 'carol-nameid', attributes: { email: 'carol@example.com', groups: ['staff', 'dba'] } },
        { username: 'mallory', password: 'mallory-pw', attributes: { email: 'mallory@example.com', groups: ['guests'] } },
      ],
      serviceProviders: [{ entityId: `${publicUrl}/api/v1/sso/adfs/metadata`, acsUrl: `${publicUrl}/api/v1/sso/adfs/acs` }],
    });
    c = await startCluster({
      auth: {
        second_factor: 'off',
        connectors: [
          {
            name: 'okta',
            type: 'oidc',
            display: 'Okta',
            issuer: oidc.issuer,
            client_id: 'postern',
            client_secret: CLIENT_SECRET,
            scopes: ['openid', 'email', 'profile', 'groups'],
            username_claim: 'email',
            allow_insecure_http: true,
            claims_to_roles: [
              { claim: 'groups', value: 'dba', roles: ['admin'] },
              { claim: 'groups', value: 'dev-*', roles: ['dev'] },
            ],
          },
          {
            name: 'adfs',
            type: 'saml',
            display: 'ADFS',
            metadata_url: saml.metadataUrl,
            allow_insecure_http: true,
            username_attribute: 'email',
            claims_to_roles: [{ claim: 'groups', value: 'dba', roles: ['dev', 'access'] }],
          },
        ],
      },
      proxy: { enabled: true, listen: `127.0.0.1:${proxyPort}`, mysql_listen: `127.0.0.1:${mysqlPort}`, public_addr: proxyAddr },
    });
    hostCa = path.join(c.dataDir, 'host-ca.pem');
    adminToken = readAdminIdentity(c.dataDir).token;
    const role = path.join(c.root, 'dev.yaml');
    writeFileSync(role, "kind: role\nmetadata: { name: dev }\nspec:\n  allow:\n    db_labels: { env: dev }\n    db_names: ['*']\n    db_users: ['{{external.email}}']\n  options: { max_session_ttl: 2h }\n");
    const applied = await c.postern(['admin', 'roles', 'apply', '-f', role, '--config', c.configFile]);
    expect(applied.code, applied.stderr).toBe(0);
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await c?.stop();
    await oidc?.stop();
    await saml?.stop();
  });

  it('postern login --auth okta: the URL on stderr, the provider in Chromium, a profile with the mapped roles', async () => {
    const home = c.newHome();
    const { url, code, stdout, stderr, message } = await cliLogin('okta', home, (page) => oidcSignIn(page, 'bob'));
    expect(url.startsWith(`${oidc.issuer}/`)).toBe(true);
    expect(code, stderr).toBe(0);
    expect(message).toContain('You are signed in as bob@example.com');
    expect(stdout).toContain('Logged in as bob@example.com to cluster test');
    expect(stdout).toContain('roles:       dev');
    const status = await c.postern(['status', '--format', 'json'], { home });
    expect(JSON.parse(status.stdout)).toMatchObject({ logged_in: true, user: 'bob@example.com', roles: ['dev'], cluster_name: 'test' });
    // The certificate is capped by the dev role's max_session_ttl (2h).
    const expires = new Date(JSON.parse(status.stdout).expires as string).getTime();
    expect(expires - Date.now()).toBeLessThanOrEqual(2 * 3600_000);
    // The CLI session works against the API, with the traits from the claims.
    const profile = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(path.join(home, 'profile.json'), 'utf8'))) as { session_token: string };
    const who = await api(c.url, 'GET', '/whoami', undefined, { authorization: `Bearer ${profile.session_token}` });
    expect(who.json).toMatchObject({ user: 'bob@example.com', roles: ['dev'], traits: { groups: ['dev-web'], email: ['bob@example.com'] } });
    // An SSO user cannot sign in with a password.
    const local = await c.postern(['login', '--proxy', c.url, '--user', 'bob@example.com', '--password-stdin'], { input: 'whatever\n', home: c.newHome() });
    expect(local.code).toBe(1);
  });

  it('postern login --auth adfs (SAML), and a CLI sign-in refused for want of a role', async () => {
    const home = c.newHome();
    const saml1 = await cliLogin('adfs', home, (page) => samlSignIn(page, 'carol', 'carol-pw'));
    expect(saml1.code, saml1.stderr).toBe(0);
    expect(saml1.stdout).toContain('Logged in as carol@example.com');
    const status = await c.postern(['status', '--format', 'json'], { home });
    expect(JSON.parse(status.stdout)).toMatchObject({ logged_in: true, user: 'carol@example.com', roles: ['dev', 'access'] });

    const refused = await cliLogin('okta', c.newHome(), (page) => oidcSignIn(page, 'eve'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('SSO sign-in with okta failed: none of the claims matched a rule of connector okta');
    expect(refused.message).toContain('none of the claims matched');
  });

  it('browser sign-in through OIDC lands on the app with a session cookie; a replayed or forged callback is refused', async () => {
    const page = await newPage();
    let callbackUrl: string | undefined;
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/sso/okta/callback')) callbackUrl = r.url();
    });
    await page.goto(`${publicUrl}/login?next=${encodeURIComponent('/api/v1/whoami')}`);
    await page.click('text=Sign in with Okta');
    await oidcSignIn(page, 'alice');
    await page.waitForURL(`${publicUrl}/api/v1/whoami`);
    expect(await pageJson(page)).toMatchObject({ user: 'alice@example.com', roles: ['admin'], session_kind: 'web' });
    const cookies = await page.context().cookies(publicUrl);
    expect(cookies.find((k) => k.name === 'postern_session')).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' });

    // The same callback again (from another browser: in this one, signed in, the sign-in
    // page would just move on): refused, with a message, not a 500.
    expect(callbackUrl).toBeDefined();
    const replay = await newPage();
    await replay.goto(callbackUrl!);
    await replay.waitForURL(/\/login\?/);
    await expect.poll(() => replay.getByTestId('login-error').innerText()).toContain('already used');

    // A made-up state.
    const other = await newPage();
    await other.goto(`${publicUrl}/api/v1/sso/okta/callback?code=forged&state=forged-state`);
    await other.waitForURL(/\/login\?/);
    await expect.poll(() => other.getByTestId('login-error').innerText()).toContain('unknown or has expired');

    // A callback that comes to a browser without the binding cookie of the sign-in (as when
    // someone's callback URL is planted in another browser: login CSRF) is refused.
    const planted = await newPage();
    await planted.goto(`${publicUrl}/api/v1/sso/okta/login?next=/`);
    await planted.context().clearCookies({ name: 'postern_sso' });
    await oidcSignIn(planted, 'alice');
    await planted.waitForURL(/\/login\?/);
    await expect.poll(() => planted.getByTestId('login-error').innerText()).toContain('started in another browser');
    expect(await planted.context().cookies(publicUrl)).not.toContainEqual(expect.objectContaining({ name: 'postern_session' }));

    // Sign-out (what the nav bar's button does) revokes the session: the cookie stops working.
    await page.goto(`${publicUrl}/login/refused`);
    const csrf = await page.locator('meta[name="postern-csrf"]').getAttribute('content');
    expect(csrf).toBeTruthy();
    const signOut = await page.request.post(`${publicUrl}/api/v1/logout`, { headers: { 'x-csrf-token': csrf!, origin: publicUrl } });
    expect(signOut.status()).toBe(204);
    const after = await page.goto(`${publicUrl}/api/v1/whoami`);
    expect(after?.status()).toBe(401);
  });

  it('browser sign-in through SAML lands on the app; a replayed or tampered SAMLResponse is refused', async () => {
    const page = await newPage();
    let posted: string | undefined;
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/sso/adfs/acs') && r.method() === 'POST') posted = r.postData() ?? undefined;
    });
    await page.goto(`${publicUrl}/login?next=${encodeURIComponent('/api/v1/whoami')}`);
    await page.click('text=Sign in with ADFS');
    await samlSignIn(page, 'carol', 'carol-pw');
    await page.waitForURL(`${publicUrl}/api/v1/whoami`);
    const who = await pageJson(page);
    expect(who).toMatchObject({
      user: 'carol@example.com',
      roles: ['dev', 'access'],
      traits: { groups: ['staff', 'dba'], nameID: ['carol-nameid'] },
    });
    // The browser session is capped by the dev role's max_session_ttl (2h), not the usual 12h.
    expect(new Date(who.expires as string).getTime() - Date.now()).toBeLessThanOrEqual(2 * 3600_000);

    // The same SAMLResponse posted again.
    expect(posted).toContain('SAMLResponse=');
    const replay = await page.request.post(`${publicUrl}/api/v1/sso/adfs/acs`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      data: posted!,
      maxRedirects: 0,
    });
    expect(replay.status()).toBe(303);
    expect(decodeURIComponent(replay.headers().location ?? '')).toMatch(/^\/login\?error=.*already used/);

    // A fresh sign-in whose assertion is changed on the way (a group added): the signature fails.
    const tampered = await newPage();
    await tampered.route('**/api/v1/sso/adfs/acs', async (route) => {
      const form = new URLSearchParams(route.request().postData() ?? '');
      const xml = Buffer.from(form.get('SAMLResponse') ?? '', 'base64').toString('utf8');
      form.set('SAMLResponse', Buffer.from(xml.replace('>guests<', '>dba<')).toString('base64'));
      await route.continue({ postData: form.toString() });
    });
    await tampered.goto(`${publicUrl}/api/v1/sso/adfs/login?next=/api/v1/whoami`);
    await samlSignIn(tampered, 'mallory', 'mallory-pw');
    await tampered.waitForURL(/\/login\?/);
    await expect.poll(() => tampered.getByTestId('login-error').innerText()).toMatch(/SAML response could not be verified: .*signature/i);

    // A response for nobody's request.
    const unsolicited = await page.request.post(`${publicUrl}/api/v1/sso/adfs/acs`, {
      form: { SAMLResponse: Buffer.from('<Response/>').toString('base64') },
      maxRedirects: 0,
    });
    expect(decodeURIComponent(unsolicited.headers().location ?? '')).toMatch(/no state|sign-ins started at the identity provider/);
  });

  it('an identity provider that refuses (the person cancels) sends the browser back with its reason', async () => {
    const page = await newPage();
    await page.goto(`${publicUrl}/login`);
    await page.click('text=Sign in with Okta');
    await page.click(oidc.loginForm.cancel);
    await page.waitForURL(/\/login\?/);
    await expect
      .poll(() => page.getByTestId('login-error').innerText())
      .toContain('the identity provider refused the sign-in: access_denied (End-User aborted interaction)');
  });

  it('a person whose groups map to no role sees the refusal page, and the failure is audited', async () => {
    const page = await newPage();
    await page.goto(`${publicUrl}/login`);
    await page.click('text=Sign in with Okta');
    await oidcSignIn(page, 'eve');
    await page.waitForURL(/\/login\/refused\?ref=/);
    const reason = await page.getByTestId('sso-refused-reason').innerText();
    expect(reason).toContain('eve@example.com');
    expect(reason).toContain('Okta');
    expect(reason).toContain('no role');
    expect(await page.getByTestId('sso-refused-claims').innerText()).toContain('guests');
    const body = await page.content();
    expect(body).not.toContain(CLIENT_SECRET);
    expect(await page.context().cookies(publicUrl)).not.toContainEqual(expect.objectContaining({ name: 'postern_session' }));

    // The same through SAML.
    const other = await newPage();
    await other.goto(`${publicUrl}/api/v1/sso/adfs/login?next=/`);
    await samlSignIn(other, 'mallory', 'mallory-pw');
    await other.waitForURL(/\/login\/refused\?ref=/);
    expect(await other.getByTestId('sso-refused-reason').innerText()).toContain('mallory@example.com');

    await expect
      .poll(async () => {
        const res = await admin('GET', `/audit/events?user=${encodeURIComponent('eve@example.com')}&event=user.login`);
        return res.json.events as Record<string, unknown>[] | undefined;
      }, { timeout: 15_000 })
      .toContainEqual(expect.objectContaining({ event: 'user.login', code: 'T1001W', success: false, method: 'oidc', connector: 'okta' }));
  });

  it('the CLI exchange refuses unknown codes and non-loopback redirects', async () => {
    const exchange = await api(c.url, 'POST', '/sso/cli/exchange', { code: 'psc_not-a-real-code', code_verifier: 'v'.repeat(43) });
    expect(exchange.status).toBe(401);
    expect(exchange.json.error.message).toContain('unknown, expired or already used');
    const start = await api(c.url, 'POST', '/sso/okta/cli', {
      csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n',
      redirect_url: 'https://attacker.example/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    });
    expect(start.status).toBe(400);
    const unknown = await c.postern(['login', '--proxy', proxyAddr, '--ca-file', hostCa, '--auth', 'nope'], { env: { POSTERN_NO_BROWSER: '1' } });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no SSO connector named "nope"; connectors: okta, adfs');
  });

  it('admin API: lists both sources without secrets, stores, shows and removes connectors', async () => {
    const list = await admin('GET', '/admin/connectors');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.json)).not.toContain(CLIENT_SECRET);
    expect(list.json.connectors).toContainEqual(
      expect.objectContaining({ name: 'okta', source: 'config', client_secret_set: true, urls: { redirect_uri: `${publicUrl}/api/v1/sso/okta/callback` } }),
    );
    expect((await admin('PUT', '/admin/connectors/okta', { yaml: 'type: oidc\nissuer: https://x\nclient_id: y\n' })).status).toBe(409);

    const yaml = `type: oidc\ndisplay: Stored IdP\nissuer: ${oidc.issuer}\nallow_insecure_http: true\nclient_id: postern\nclient_secret: stored-secret-value\nclaims_to_roles:\n  - { claim: groups, value: dba, roles: [admin] }\n`;
    const put = await admin('PUT', '/admin/connectors/stored', { yaml });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    expect(put.json).toMatchObject({ name: 'stored', source: 'store', client_secret_set: true, updated_by: 'postern-admin' });
    expect(JSON.stringify(put.json)).not.toContain('stored-secret-value');
    const bad = await admin('PUT', '/admin/connectors/stored2', { yaml: 'type: oidc\nissuer: http://insecure\nclient_id: y\n' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('issuer: must be https');

    const ping = await api(c.url, 'GET', '/ping');
    expect(ping.json.connectors.map((x: { name: string }) => x.name)).toEqual(['okta', 'adfs', 'stored']);
    // Editing without client_secret keeps it.
    const kept = await admin('PUT', '/admin/connectors/stored', { yaml: yaml.replace('client_secret: stored-secret-value\n', '').replace('Stored IdP', 'Stored again') });
    expect(kept.json).toMatchObject({ display: 'Stored again', client_secret_set: true });

    const metadata = await fetch(`${c.url}/api/v1/sso/adfs/metadata`);
    expect(await metadata.text()).toContain(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${publicUrl}/api/v1/sso/adfs/acs"`);

    expect((await admin('DELETE', '/admin/connectors/stored')).status).toBe(204);
    expect((await api(c.url, 'GET', '/ping')).json.connectors.map((x: { name: string }) => x.name)).toEqual(['okta', 'adfs']);
    expect(c.logs()).not.toContain(CLIENT_SECRET);
    expect(c.logs()).not.toContain('stored-secret-value');
  });

  it('admin UI: connectors of both sources, secrets shown as "set", add and remove one', async () => {
    const page = await newPage();
    await page.goto(`${publicUrl}/api/v1/sso/okta/login?next=/admin/connectors`);
    await oidcSignIn(page, 'alice');
    await page.waitForURL(`${publicUrl}/admin/connectors`);
    await expect.poll(() => page.getByTestId('connector-secret-okta').innerText()).toBe('set');
    expect(await page.getByTestId('connector-row-adfs').innerText()).toContain('postern.yaml');
    expect(await page.content()).not.toContain(CLIENT_SECRET);

    await page.getByTestId('connector-new-saml').click();
    await page.getByTestId('connector-name').fill('ui-saml');
    await page.getByTestId('connector-yaml').fill(`type: saml\nmetadata_url: http://127.0.0.1:1/metadata\nclaims_to_roles: []\n`);
    await page.getByTestId('connector-save').click();
    // The schema of postern.yaml answers, naming the key.
    await expect.poll(() => page.getByTestId('connector-error').innerText()).toContain('metadata_url: must be https');
    await page.getByTestId('connector-yaml').fill(`type: saml\ndisplay: UI SAML\nmetadata_url: ${saml.metadataUrl}\nallow_insecure_http: true\nclaims_to_roles: []\n`);
    await page.getByTestId('connector-save').click();
    await expect.poll(() => page.getByTestId('connector-row-ui-saml').isVisible()).toBe(true);
    expect((await api(c.url, 'GET', '/ping')).json.connectors.map((x: { name: string }) => x.name)).toContain('ui-saml');

    await page.getByTestId('connector-delete-ui-saml').click();
    await page.getByTestId('connector-delete-confirm').click();
    await expect.poll(() => page.getByTestId('connector-row-ui-saml').count()).toBe(0);
  });
});
