import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, splitHostPort } from '../src';

function tmpFile(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'postern-config-'));
  const file = path.join(dir, 'postern.yaml');
  writeFileSync(file, text);
  return file;
}

describe('config', () => {
  it('has the documented defaults', () => {
    const c = parseConfig({});
    expect(c.cluster_name).toBe('local');
    expect(c.web.listen).toBe('127.0.0.1:3000');
    expect(c.proxy.listen).toBe('0.0.0.0:3080');
    expect(c.proxy.mysql_listen).toBe('0.0.0.0:3036');
    expect(c.auth.second_factor).toBe('otp');
    expect(c.agent.databases).toEqual([]);
    expect(c.metrics.listen).toBe('');
  });

  it('takes metrics.listen as host:port, from the file or POSTERN_METRICS_LISTEN', () => {
    expect(parseConfig({ metrics: { listen: '127.0.0.1:9464' } }).metrics.listen).toBe('127.0.0.1:9464');
    expect(loadConfig({ env: { POSTERN_METRICS_LISTEN: '[::1]:9464' } }).config.metrics.listen).toBe('[::1]:9464');
    const file = tmpFile('metrics: { listen: "9464" }\n');
    expect(() => loadConfig({ file, env: {} })).toThrowError(/metrics\.listen: .*host:port/);
  });

  it('reads the INTERFACE.md example and resolves data_dir next to the file', () => {
    const file = tmpFile(`cluster_name: acme
data_dir: ./state
store: { url: "" }
auth: { second_factor: off, connectors: [] }
web: { enabled: true, listen: 127.0.0.1:3000 }
proxy: { enabled: true, listen: 0.0.0.0:3080, mysql_listen: 0.0.0.0:3036, public_addr: localhost:3080 }
agent:
  enabled: true
  proxy_addr: localhost:3080
  join_token: ""
  databases:
    - name: demo
      protocol: postgres
      uri: 127.0.0.1:5432
      ca_cert_file: ""
      labels: { env: dev }
`);
    const { config, dataDir } = loadConfig({ file, env: {} });
    expect(config.cluster_name).toBe('acme');
    expect(config.auth.second_factor).toBe('off');
    expect(config.agent.databases[0]).toMatchObject({ name: 'demo', protocol: 'postgres', labels: { env: 'dev' } });
    expect(dataDir).toBe(path.join(path.dirname(file), 'state'));
  });

  it('refuses an invalid file with the path of the offending key', () => {
    const file = tmpFile('agent:\n  databases:\n    - name: demo\n      protocol: oracle\n      uri: x:1\n');
    expect(() => loadConfig({ file, env: {} })).toThrowError(/agent\.databases\[0\]\.protocol: Invalid option: expected one of "postgres"\|"mysql"/);
    const unknownKey = tmpFile('web: { listen: 127.0.0.1:3000, lisen: 1 }\n');
    expect(() => loadConfig({ file: unknownKey, env: {} })).toThrowError(/web\.lisen: unknown key/);
  });

  it('reads reuse_connections as true or as an object, for postgres databases only', () => {
    const db = (yaml: string) => loadConfig({ file: tmpFile(`agent:\n  databases:\n    - ${yaml}\n`), env: {} }).config.agent.databases[0]!;
    expect(db('{ name: a, protocol: postgres, uri: "h:1", reuse_connections: true }').reuse_connections).toEqual({
      enabled: true,
      max_idle: 8,
      idle_timeout_seconds: 60,
      max_lifetime_seconds: 3600,
    });
    expect(db('{ name: a, protocol: postgres, uri: "h:1", reuse_connections: { enabled: true, max_idle: 2 } }').reuse_connections).toMatchObject({ enabled: true, max_idle: 2 });
    expect(db('{ name: a, protocol: postgres, uri: "h:1" }').reuse_connections.enabled).toBe(false);
    expect(() => db('{ name: a, protocol: mysql, uri: "h:1", reuse_connections: true }')).toThrowError(
      /agent\.databases\[0\]\.reuse_connections: reuse_connections is for postgres databases/,
    );
    expect(() => db('{ name: a, protocol: postgres, uri: "h:1", reuse_connections: { max_idle: 0 } }')).toThrowError(/agent\.databases\[0\]\.reuse_connections\.max_idle/);
  });

  it('reports YAML syntax errors and missing files as ConfigError', () => {
    const file = tmpFile('web: [unclosed\n');
    expect(() => loadConfig({ file, env: {} })).toThrowError(ConfigError);
    expect(() => loadConfig({ file: '/nonexistent/postern.yaml', env: {} })).toThrowError(/no such file/);
  });

  it('takes settings from POSTERN_ variables, over the file', () => {
    const file = tmpFile('web: { listen: 127.0.0.1:3000 }\n');
    const { config } = loadConfig({
      file,
      env: { POSTERN_WEB_LISTEN: '127.0.0.1:4000', POSTERN_PROXY_MYSQL_LISTEN: '127.0.0.1:4036', POSTERN_AGENT_ENABLED: 'false' },
    });
    expect(config.web.listen).toBe('127.0.0.1:4000');
    expect(config.proxy.mysql_listen).toBe('127.0.0.1:4036');
    expect(config.agent.enabled).toBe(false);
    expect(() => loadConfig({ env: { POSTERN_WEB_ENABLED: 'maybe' } })).toThrowError(/web\.enabled/);
  });

  it('turns the demo database on without a file and off with one, unless agent.demo_database says', () => {
    expect(loadConfig({ env: {} }).config.agent.demo_database).toBe(true);
    expect(loadConfig({ file: tmpFile('cluster_name: acme\n'), env: {} }).config.agent.demo_database).toBe(false);
    expect(loadConfig({ file: tmpFile('agent: { demo_database: true }\n'), env: {} }).config.agent.demo_database).toBe(true);
    expect(loadConfig({ env: { POSTERN_AGENT_DEMO_DATABASE: 'off' } }).config.agent.demo_database).toBe(false);
    expect(loadConfig({ file: tmpFile('agent: { demo_database: false }\n'), env: { POSTERN_AGENT_DEMO_DATABASE: 'yes' } }).config.agent.demo_database).toBe(true);
  });

  it('refuses a demo_database that is not true or false, saying what it got', () => {
    const file = tmpFile('agent:\n  demo_database: "sometimes"\n');
    expect(() => loadConfig({ file, env: {} })).toThrowError(
      `invalid configuration in ${file}: agent.demo_database: expected true or false (whether postern start runs the quickstart's demo PostgreSQL), got "sometimes"`,
    );
    expect(() => loadConfig({ env: { POSTERN_AGENT_DEMO_DATABASE: 'maybe' } })).toThrowError(/agent\.demo_database: expected true or false .*got "POSTERN_AGENT_DEMO_DATABASE=maybe"/);
  });

  it('takes the agent\'s databases from POSTERN_AGENT_DATABASES, as a YAML list that replaces the file\'s', () => {
    const file = tmpFile('agent:\n  databases:\n    - { name: orders, protocol: postgres, uri: 10.0.0.5:5432 }\n');
    const { config } = loadConfig({
      file,
      env: { POSTERN_AGENT_DATABASES: '[{name: shop, protocol: mysql, uri: "127.0.0.1:3306", labels: {env: dev}}]' },
    });
    expect(config.agent.databases).toEqual([
      {
        name: 'shop',
        protocol: 'mysql',
        uri: '127.0.0.1:3306',
        ca_cert_file: '',
        labels: { env: 'dev' },
        reuse_connections: { enabled: false, max_idle: 8, idle_timeout_seconds: 60, max_lifetime_seconds: 3600 },
      },
    ]);
    // JSON is YAML too.
    const json = loadConfig({ env: { POSTERN_AGENT_DATABASES: JSON.stringify([{ name: 'a', protocol: 'postgres', uri: '127.0.0.1:5432' }]) } });
    expect(json.config.agent.databases.map((d) => d.name)).toEqual(['a']);
    expect(() => loadConfig({ env: { POSTERN_AGENT_DATABASES: '[{name: shop, protocol: oracle, uri: "x:1"}]' } })).toThrowError(/agent\.databases\[0\]\.protocol: Invalid option/);
    expect(() => loadConfig({ env: { POSTERN_AGENT_DATABASES: '[{name: shop' } })).toThrowError(/^POSTERN_AGENT_DATABASES: YAML syntax error: /);
  });

  it('lets --data-dir win', () => {
    const { dataDir } = loadConfig({ dataDir: '/tmp/pd', env: { POSTERN_DATA_DIR: '/elsewhere' } });
    expect(dataDir).toBe('/tmp/pd');
  });

  it('splits host:port', () => {
    expect(splitHostPort('127.0.0.1:3000')).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(splitHostPort('[::1]:5432')).toEqual({ host: '::1', port: 5432 });
    expect(() => splitHostPort('nohost')).toThrowError(ConfigError);
  });
});
