import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startMariadb, startPostgres, type TestMariadb, type TestPostgres } from '@postern/testing';
import { completeSignup } from './api';
import { posternOk, signDatabaseServer } from './admin';
import { agentProcessConfig } from './agent';
import { startCluster, startPosternProcess, type Cluster, type PosternProcess } from './cluster';
import { signIn, type Browser } from './console';

export const PASSWORD = 'correct horse battery staple';

/** Databases labelled env=dev, as the db users of the person's db_users trait. */
export const DEV_ROLE = "kind: role\nmetadata: { name: dev }\nspec:\n  allow:\n    db_labels: { env: dev }\n    db_names: ['*']\n    db_users: ['{{internal.db_users}}']\n";

export interface PgStackOptions {
  /** Also a MariaDB with database app and a user alice that logs in by certificate subject. */
  mariadb?: boolean;
  /** The agent's databases; by default `demo` (PostgreSQL) and, with mariadb, `shop`, both env=dev. */
  databases?: (servers: { pg: TestPostgres; maria?: TestMariadb }) => Record<string, unknown>[];
  /** Roles (name → YAML) besides, or instead of, dev. */
  roles?: Record<string, string>;
  /** Users (name → comma-separated roles), each with db_users=alice; by default alice with dev. */
  users?: Record<string, string>;
  /** Keep the cluster's default second factor (TOTP); by default it is off. */
  otp?: boolean;
  /** Log alice in with the CLI and do `postern db login demo --db-user alice --db-name app`. */
  login?: boolean;
  /** Serve metrics.listen in both processes; their URLs come back in `metrics`. */
  metrics?: boolean;
}

export interface PgStack {
  c: Cluster;
  pg: TestPostgres;
  maria?: TestMariadb;
  agent: PosternProcess;
  agentConfigFile: string;
  proxyPort: number;
  /** The browser's origin: the proxy, which serves web and the console WebSocket. */
  origin: string;
  /** The host CA (PEM) that the proxy's certificate chains to. */
  ca: string;
  /** Each user's TOTP secret from sign-up (undefined without otp). */
  secrets: Record<string, string | undefined>;
  /** alice's POSTERN_HOME, and an environment for clients run as her (psql via her service file). */
  alice: string;
  env: NodeJS.ProcessEnv;
  /** Signs a user in as the sign-in page does (password only: needs otp off). */
  signIn(user: string): Promise<Browser>;
  /** With opts.metrics: each process's metrics.listen as a base URL (http://127.0.0.1:PORT). */
  metrics?: { cluster: string; agent: string };
  /** Starts the agent process again on its config (after agent.stop()); stop() stops it too. */
  startAgent(): Promise<PosternProcess>;
  stop(): Promise<void>;
}

/**
 * What the PostgreSQL tests share (as startMysqlStack does for MySQL): a cluster process
 * (web + proxy), a real PostgreSQL with the certificate `postern admin db sign` wrote and
 * certificate auth (role alice, database app), an agent process serving it as `demo`, the
 * roles, and users signed up. Stops whatever it started when a step fails.
 */
export async function startPgStack(opts: PgStackOptions = {}): Promise<PgStack> {
  const started: { stop(): Promise<unknown> }[] = [];
  const track = <T extends { stop(): Promise<unknown> }>(s: T) => (started.push(s), s);
  const stop = async () => {
    for (const s of [...started].reverse()) await s.stop().catch(() => undefined);
  };
  try {
    const proxyPort = await freePort();
    const metrics = opts.metrics ? { cluster: `127.0.0.1:${await freePort()}`, agent: `127.0.0.1:${await freePort()}` } : undefined;
    const c = track(
      await startCluster({
        ...(opts.otp ? {} : { auth: { second_factor: 'off' } }),
        ...(metrics ? { metrics: { listen: metrics.cluster } } : {}),
        proxy: { enabled: true, listen: `127.0.0.1:${proxyPort}`, mysql_listen: `127.0.0.1:${await freePort()}`, public_addr: `localhost:${proxyPort}` },
      }),
    );
    const ok = (args: string[]) => posternOk(c, args);
    const tls = await signDatabaseServer(c);
    const [pg, maria] = await Promise.all([startPostgres({ tls, certAuth: true }).then(track), opts.mariadb ? startMariadb({ tls }).then(track) : undefined]);
    await pg.query('create role alice login');
    await pg.query('create database app owner alice');
    await maria?.query("create database app; create user alice@'%' require subject '/CN=alice'; grant all on app.* to alice@'%'");

    const databases = opts.databases?.({ pg, maria }) ?? [
      { name: 'demo', protocol: 'postgres', uri: `127.0.0.1:${pg.port}`, labels: { env: 'dev' } },
      ...(maria ? [{ name: 'shop', protocol: 'mysql', uri: `127.0.0.1:${maria.port}`, labels: { env: 'dev' } }] : []),
    ];
    const agentConfigFile = path.join(c.root, 'agent.yaml');
    const agentConfig = { ...(await agentProcessConfig(c, proxyPort, databases)), ...(metrics ? { metrics: { listen: metrics.agent } } : {}) };
    const startAgent = async () => track(await startPosternProcess(agentConfigFile, agentConfig));
    const agent = await startAgent();

    for (const [name, yaml] of Object.entries({ dev: DEV_ROLE, ...opts.roles })) {
      const file = path.join(c.root, `${name}.yaml`);
      writeFileSync(file, yaml);
      await ok(['admin', 'roles', 'apply', '-f', file]);
    }
    const secrets: Record<string, string | undefined> = {};
    for (const [user, roles] of Object.entries(opts.users ?? { alice: 'dev' })) {
      const added = await ok(['admin', 'users', 'add', user, '--roles', roles, '--traits', 'db_users=alice']);
      secrets[user] = await completeSignup(c.url, /(https?:\/\/\S+\/signup\/\S+)/.exec(added)![1]!, PASSWORD);
    }

    const origin = `https://localhost:${proxyPort}`;
    const ca = readFileSync(path.join(c.dataDir, 'host-ca.pem'), 'utf8');
    const alice = c.newHome();
    const env = { ...process.env, POSTERN_HOME: alice, PGSERVICEFILE: path.join(alice, 'pg_service.conf'), HOME: alice };
    if (opts.login) {
      const hostCa = path.join(c.dataDir, 'host-ca.pem');
      const login = await c.postern(['login', '--proxy', `localhost:${proxyPort}`, '--ca-file', hostCa, '--user', 'alice', '--password-stdin'], { input: PASSWORD, home: alice, env });
      if (login.code !== 0) throw new Error(`postern login exited with ${login.code}:\n${login.stderr}`);
      const dbLogin = await c.postern(['db', 'login', 'demo', '--db-user', 'alice', '--db-name', 'app'], { home: alice, env });
      if (dbLogin.code !== 0) throw new Error(`postern db login exited with ${dbLogin.code}:\n${dbLogin.stderr}`);
    }
    return {
      c,
      pg,
      maria,
      agent,
      agentConfigFile,
      proxyPort,
      origin,
      ca,
      secrets,
      alice,
      env,
      ...(metrics ? { metrics: { cluster: `http://${metrics.cluster}`, agent: `http://${metrics.agent}` } } : {}),
      signIn: (user) => signIn(origin, ca, user, PASSWORD),
      startAgent,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
