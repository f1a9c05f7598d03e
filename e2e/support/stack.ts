import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startMariadb, startOidcProvider, startPostgres, startSamlIdp } from '@postern/testing';
import { completeSignup } from '../../packages/cli/test/helpers/api';
import { startCluster, startPosternProcess, type Cluster } from '../../packages/cli/test/helpers/cluster';
import type { StackState, StackUser } from './stack-state';

export const SCREENSHOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');

const DEV_ROLE = `kind: role
metadata: { name: dev }
spec:
  allow:
    db_labels: { env: dev }
    db_names: ['*']
    db_users: ['{{internal.db_users}}']
`;

const READ_ONLY_ROLE = `kind: role
metadata: { name: dev-readonly }
spec:
  allow:
    db_labels: { env: dev }
    db_names: ['*']
    db_users: ['{{internal.db_users}}']
  options: { console_read_only: true }
`;

/** Undo steps, run in reverse, also when a later step fails. */
class Teardown {
  private steps: Array<[string, () => Promise<unknown>]> = [];
  add(name: string, fn: () => Promise<unknown>): void {
    this.steps.push([name, fn]);
  }
  async run(): Promise<void> {
    for (const [name, fn] of this.steps.reverse()) {
      await fn().catch((err: unknown) => console.error(`e2e teardown: ${name}: ${String(err)}`));
    }
    this.steps = [];
  }
}

async function addUser(c: Cluster, name: string, roles: string, traits?: string): Promise<StackUser> {
  const password = `pw-${name}-correct-horse-battery`;
  const r = await c.postern(['admin', 'users', 'add', name, '--roles', roles, ...(traits ? ['--traits', traits] : []), '--config', c.configFile]);
  if (r.code !== 0) throw new Error(`admin users add ${name}: ${r.stderr}`);
  const link = /(https?:\/\/\S+\/signup\/\S+)/.exec(r.stdout)?.[1];
  if (!link) throw new Error(`no sign-up link in: ${r.stdout}`);
  const totpSecret = await completeSignup(c.url, link, password);
  if (!totpSecret) throw new Error('the cluster did not enrol a one-time code');
  return { name, password, totpSecret };
}

/**
 * The cluster the e2e tests drive: `postern start` (web + proxy) as one process, an agent as
 * another, a real PostgreSQL with TLS and certificate authentication behind the agent.
 */
export async function startStack(): Promise<{ state: StackState; stop(): Promise<void> }> {
  const teardown = new Teardown();
  try {
    const proxyPort = await freePort();
    const publicUrl = `https://localhost:${proxyPort}`;
    // Real identity providers on loopback: an OpenID Provider and a SAML IdP.
    const oidc = await startOidcProvider({
      users: [
        { login: 'olivia', email: 'olivia@example.com', groups: ['dev-team'] },
        { login: 'eve', email: 'eve@example.com', groups: ['guests'] },
      ],
      clients: [{ client_id: 'postern', client_secret: 'e2e-oidc-secret', redirect_uris: [`${publicUrl}/api/v1/sso/okta/callback`] }],
    });
    teardown.add('oidc provider', () => oidc.stop());
    const saml = await startSamlIdp({
      users: [{ username: 'sam', password: 'sam-pw', attributes: { email: 'sam@example.com', groups: ['dev-team'] } }],
      serviceProviders: [{ entityId: `${publicUrl}/api/v1/sso/adfs/metadata`, acsUrl: `${publicUrl}/api/v1/sso/adfs/acs` }],
    });
    teardown.add('saml idp', () => saml.stop());
    const c = await startCluster({
      auth: {
        second_factor: 'otp',
        connectors: [
          {
            name: 'okta',
            type: 'oidc',
            display: 'Okta',
            issuer: oidc.issuer,
            client_id: 'postern',
            client_secret: 'e2e-oidc-secret',
            scopes: ['openid', 'email', 'profile', 'groups'],
            username_claim: 'email',
            allow_insecure_http: true,
            claims_to_roles: [{ claim: 'groups', value: 'dev-*', roles: ['dev'] }],
          },
          {
            name: 'adfs',
            type: 'saml',
            display: 'ADFS',
            metadata_url: saml.metadataUrl,
            allow_insecure_http: true,
            username_attribute: 'email',
            claims_to_roles: [{ claim: 'groups', value: 'dev-team', roles: ['dev'] }],
          },
        ],
      },
      proxy: { enabled: true, listen: `127.0.0.1:${proxyPort}`, mysql_listen: `127.0.0.1:${await freePort()}`, public_addr: `localhost:${proxyPort}` },
      web: { enabled: true, listen: `127.0.0.1:${await freePort()}`, public_url: `https://localhost:${proxyPort}` },
    });
    teardown.add('cluster', () => c.stop());
    const admin = async (args: string[]) => {
      const r = await c.postern([...args, '--config', c.configFile]);
      if (r.code !== 0) throw new Error(`postern ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };

    await admin(['admin', 'db', 'sign', '--host', '127.0.0.1,localhost', '--out', path.join(c.root, 'server')]);
    const read = (ext: string) => readFileSync(path.join(c.root, `server.${ext}`), 'utf8');
    const pgServer = await startPostgres({ tls: { serverCertPem: read('crt'), serverKeyPem: read('key'), clientCaPem: read('cas') }, certAuth: true });
    teardown.add('postgres', () => pgServer.stop());
    await pgServer.query('create role alice login');
    await pgServer.query('create database app owner alice');
    const mariadb = await startMariadb({ tls: { serverCertPem: read('crt'), serverKeyPem: read('key'), clientCaPem: read('cas') } });
    teardown.add('mariadb', () => mariadb.stop());
    await mariadb.query("create database app; create user alice@'%' require subject '/CN=alice'; grant all on app.* to alice@'%'");

    const tokenOut = await admin(['admin', 'tokens', 'add', '--type', 'agent', '--format', 'json']);
    const agent = await startPosternProcess(path.join(c.root, 'agent.yaml'), {
      cluster_name: 'test',
      data_dir: path.join(c.root, 'agent-data'),
      web: { enabled: false },
      proxy: { enabled: false },
      agent: {
        enabled: true,
        name: 'e2e-agent',
        proxy_addr: `localhost:${proxyPort}`,
        join_token: (JSON.parse(tokenOut) as { token: string }).token,
        databases: [
          { name: 'demo', protocol: 'postgres', uri: `127.0.0.1:${pgServer.port}`, labels: { env: 'dev', team: 'core' } },
          { name: 'billing', protocol: 'postgres', uri: `127.0.0.1:${pgServer.port}`, labels: { env: 'prod', team: 'finance' } },
          { name: 'shop', protocol: 'mysql', uri: `127.0.0.1:${mariadb.port}`, labels: { env: 'dev', team: 'web' } },
        ],
      },
    });
    teardown.add('agent', () => agent.stop());

    const roleFile = path.join(c.root, 'dev.yaml');
    writeFileSync(roleFile, DEV_ROLE);
    await admin(['admin', 'roles', 'apply', '-f', roleFile]);
    writeFileSync(roleFile, READ_ONLY_ROLE);
    await admin(['admin', 'roles', 'apply', '-f', roleFile]);
    const root = await addUser(c, 'root', 'admin,dev', 'db_users=alice');
    const alice = await addUser(c, 'alice', 'dev', 'db_users=alice');
    const rita = await addUser(c, 'rita', 'dev-readonly', 'db_users=alice');

    const workDir = mkdtempSync(path.join(os.tmpdir(), 'postern-e2e-'));
    teardown.add('work dir', async () => rmSync(workDir, { recursive: true, force: true }));
    rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
    mkdirSync(SCREENSHOT_DIR, { recursive: true });

    const state: StackState = {
      url: `https://localhost:${proxyPort}`,
      proxyAddr: `localhost:${proxyPort}`,
      hostCaFile: path.join(c.dataDir, 'host-ca.pem'),
      workDir,
      screenshotDir: SCREENSHOT_DIR,
      admin: root,
      alice,
      readOnly: rita,
      allowedDb: 'demo',
      mysqlDb: 'shop',
      hiddenDb: 'billing',
      dbUser: 'alice',
      dbName: 'app',
      oidc: { connector: 'Okta', login: 'olivia', email: 'olivia@example.com', unmappedLogin: 'eve', form: oidc.loginForm },
      saml: { connector: 'ADFS', login: 'sam', password: 'sam-pw', email: 'sam@example.com', form: saml.loginForm },
    };
    return { state, stop: () => teardown.run() };
  } catch (err) {
    await teardown.run();
    throw err;
  }
}
