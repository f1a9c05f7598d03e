import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startMariadb, type TestMariadb } from '@postern/testing';
import { completeSignup } from './api';
import { posternOk, signDatabaseServer } from './admin';
import { agentProcessConfig } from './agent';
import { startCluster, startPosternProcess, type Cluster, type PosternProcess } from './cluster';

const PASSWORD = 'correct horse battery staple';

export interface MysqlStack {
  c: Cluster;
  db: TestMariadb;
  agent: PosternProcess;
  /** The proxy's MySQL port (proxy.mysql_listen). */
  mysqlPort: number;
  /** alice's POSTERN_HOME, logged in, with `postern db login shop` done. */
  alice: string;
  env: NodeJS.ProcessEnv;
  /** With opts.metrics: each process's metrics.listen as a base URL (http://127.0.0.1:PORT). */
  metrics?: { cluster: string; agent: string };
  stop(): Promise<void>;
}

/**
 * What the MySQL tests share: a cluster process (web + proxy with its MySQL port), a real
 * MariaDB with the certificate `postern admin db sign` wrote and a user alice that logs in
 * by certificate subject (databases app and other), an agent process serving it as `shop`,
 * and alice signed up, logged in and with `postern db login shop --db-name app` done.
 * Stops whatever it started when a step fails.
 */
export async function startMysqlStack(opts: { metrics?: boolean } = {}): Promise<MysqlStack> {
  const started: { stop(): Promise<unknown> }[] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
  };
  try {
    const proxyPort = await freePort();
    const mysqlPort = await freePort();
    const metrics = opts.metrics ? { cluster: `127.0.0.1:${await freePort()}`, agent: `127.0.0.1:${await freePort()}` } : undefined;
    const c = await startCluster({
      ...(metrics ? { metrics: { listen: metrics.cluster } } : {}),
      auth: { second_factor: 'off' },
      proxy: { enabled: true, listen: `127.0.0.1:${proxyPort}`, mysql_listen: `127.0.0.1:${mysqlPort}`, public_addr: `localhost:${proxyPort}` },
    });
    started.push(c);
    const ok = (args: string[]) => posternOk(c, args);
    const db = await startMariadb({ tls: await signDatabaseServer(c) });
    started.push(db);
    await db.query(
      "create database app; create database other; create user alice@'%' require subject '/CN=alice'; grant all on app.* to alice@'%'; grant all on other.* to alice@'%'",
    );

    const agentConfig = await agentProcessConfig(c, proxyPort, [{ name: 'shop', protocol: 'mysql', uri: `127.0.0.1:${db.port}`, labels: { env: 'dev' } }]);
    const agent = await startPosternProcess(path.join(c.root, 'agent.yaml'), { ...agentConfig, ...(metrics ? { metrics: { listen: metrics.agent } } : {}) });
    started.push(agent);

    const role = path.join(c.root, 'dev.yaml');
    writeFileSync(role, "kind: role\nmetadata: { name: dev }\nspec:\n  allow:\n    db_labels: { env: dev }\n    db_names: ['*']\n    db_users: ['{{internal.db_users}}']\n");
    await ok(['admin', 'roles', 'apply', '-f', role]);
    const added = await ok(['admin', 'users', 'add', 'alice', '--roles', 'dev', '--traits', 'db_users=alice']);
    await completeSignup(c.url, /(https?:\/\/\S+\/signup\/\S+)/.exec(added)![1]!, PASSWORD);
    const alice = c.newHome();
    const env = { ...process.env, POSTERN_HOME: alice, HOME: alice };
    const login = await c.postern(['login', '--proxy', `localhost:${proxyPort}`, '--ca-file', path.join(c.dataDir, 'host-ca.pem'), '--user', 'alice', '--password-stdin'], {
      input: PASSWORD,
      home: alice,
      env,
    });
    if (login.code !== 0) throw new Error(`postern login exited with ${login.code}:\n${login.stderr}`);
    const dbLogin = await c.postern(['db', 'login', 'shop', '--db-user', 'alice', '--db-name', 'app'], { home: alice, env });
    if (dbLogin.code !== 0) throw new Error(`postern db login exited with ${dbLogin.code}:\n${dbLogin.stderr}`);
    return { c, db, agent, mysqlPort, alice, env, ...(metrics ? { metrics: { cluster: `http://${metrics.cluster}`, agent: `http://${metrics.agent}` } } : {}), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
