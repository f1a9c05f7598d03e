import net from 'node:net';
import {
  buildHandshakeResponse41,
  buildHandshakeV10,
  Capability,
  Command,
  framePacket,
  PacketReader,
  parseHandshakeV10,
  readPacket,
} from '@postern/mysql';
import { createCertAuthority } from '@postern/pki';
import { createTestPki, freePort, run, startMariadb, type TestMariadb, type TestPki } from '@postern/testing';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalProxy, type LocalProxy } from '../src/db/local-proxy';
import type { DbCredentials } from '../src/db/proxy-tls';

/**
 * The MySQL tunnel's login, with a real MariaDB standing in for the Postern proxy: it
 * speaks first, takes TLS with a client certificate (REQUIRE SUBJECT) and checks every
 * sequence id, and unlike the proxy it asks for more than the first answer (an ed25519
 * AuthSwitchRequest), so the shifted ids are checked both ways by a real server.
 */
describe('postern proxy db --tunnel for MySQL: the login through a real server', () => {
  let db: TestMariadb;
  let pki: TestPki;
  const creds = (user: string): DbCredentials => ({ ...pki.clientCert(user), caPem: pki.ca.certPem });

  const mariadb = (port: number, user: string, sql: string, extra: string[] = []) =>
    run('mariadb', ['--no-defaults', '--host=127.0.0.1', `--port=${port}`, '--protocol=TCP', `--user=${user}`, '--skip-ssl', ...extra, '-N', '-e', sql], {
      timeoutMs: 30_000,
    });

  async function withTunnel<T>(
    credentials: () => Promise<DbCredentials>,
    fn: (p: LocalProxy, logs: string[]) => Promise<T>,
    target = { host: '127.0.0.1', port: db.port },
  ): Promise<T> {
    const logs: string[] = [];
    const p = await startLocalProxy({ target, protocol: 'mysql', credentials, hint: 'check `postern db login shop`', log: (l) => logs.push(l) });
    try {
      return await fn(p, logs);
    } finally {
      await p.close();
    }
  }

  const waitForLog = async (logs: string[], pattern: RegExp) => {
    for (let i = 0; i < 100 && !logs.some((l) => pattern.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(logs.join('\n')).toMatch(pattern);
  };

  beforeAll(async () => {
    pki = await createTestPki();
    db = await startMariadb({ tls: { serverCertPem: pki.server.certPem, serverKeyPem: pki.server.keyPem, clientCaPem: pki.ca.certPem } });
    await db.query(
      [
        "install soname 'auth_ed25519'",
        'create database app',
        "create user alice@'%' require subject '/CN=alice'",
        "create user bob@'%' identified via ed25519 using password('s3cret') require subject '/CN=bob'",
        "grant all on app.* to alice@'%'",
        "grant all on app.* to bob@'%'",
      ].join(';'),
    );
  });

  afterAll(async () => {
    await db?.stop();
  });

  it('logs a plain client in over TLS with the certificate, and relays its commands', async () => {
    await withTunnel(
      async () => creds('alice'),
      async (p, logs) => {
        const r = await mariadb(p.port, 'alice', "select current_user(); use app; select database(); show session status like 'Ssl_version'; \\s", ['--database=app']);
        expect(r.stderr).toBe('');
        const out = r.stdout;
        expect(out).toMatch(/^alice@%$/m);
        expect(out).toMatch(/^app$/m);
        // The server saw TLS; the client's own status says its leg is plain.
        expect(out).toMatch(/^Ssl_version\tTLSv1\.[23]$/m);
        expect(out).toMatch(/SSL:\s+Not in use/);
        await waitForLog(logs, /^#1 127\.0\.0\.1:\d+: session as alice to app \(/);
      },
    );
  });

  it('keeps the ids a strict client expects: greeting 0 without CLIENT_SSL, OK 2, a command answered from 1', async () => {
    await withTunnel(
      async () => creds('alice'),
      async (p) => {
        const s = net.connect(p.port, '127.0.0.1');
        s.on('error', () => {});
        try {
          const reader = new PacketReader();
          const next = async () => (await readPacket(s, reader, Date.now() + 10_000))!;
          const hello = await next();
          expect(hello.sequenceId).toBe(0);
          const greeting = parseHandshakeV10(hello.payload);
          expect(greeting.capabilities & Capability.Ssl).toBe(0);
          const wanted = Capability.LongPassword | Capability.Protocol41 | Capability.SecureConnection | Capability.PluginAuth | Capability.ConnectWithDb | Capability.Transactions;
          const response = buildHandshakeResponse41({
            capabilities: (wanted & greeting.capabilities) >>> 0,
            maxPacketSize: 1 << 24,
            characterSet: 45,
            mariadbCapabilities: 0,
            user: 'alice',
            authResponse: Buffer.alloc(0),
            database: 'app',
            authPluginName: 'mysql_native_password',
            attrs: {},
          });
          s.write(framePacket(response, 1));
          const ok = await next();
          expect(ok.payload[0]).toBe(0x00);
          expect(ok.sequenceId).toBe(2);
          s.write(framePacket(Buffer.concat([Buffer.of(Command.Query), Buffer.from('select 1')]), 0));
          const columnCount = await next();
          expect(columnCount.sequenceId).toBe(1);
          expect(columnCount.payload).toEqual(Buffer.of(1));
          s.end(framePacket(Buffer.of(Command.Quit), 0));
        } finally {
          s.destroy();
        }
      },
    );
  });

  it('carries an authentication switch both ways, and the server’s refusal of a wrong password', async () => {
    await withTunnel(
      async () => creds('bob'),
      async (p, logs) => {
        const ok = await mariadb(p.port, 'bob', 'select current_user()', ['--password=s3cret']);
        expect(ok.stderr).toBe('');
        expect(ok.stdout.trim()).toBe('bob@%');
        const wrong = await mariadb(p.port, 'bob', 'select 1', ['--password=wrong']);
        expect(wrong.code).not.toBe(0);
        expect(wrong.stderr).toMatch(/ERROR 1045 \(28000\): Access denied for user 'bob'/);
        await waitForLog(logs, /refused: the Postern proxy refused the login: ERROR 1045 \(28000\): Access denied for user 'bob'/);
      },
    );
  });

  it('serves node mysql2 without TLS: prepared statements with parameters, and a big row both ways', async () => {
    await withTunnel(
      async () => creds('alice'),
      async (p) => {
        const conn = await mysql.createConnection(`mysql://alice@127.0.0.1:${p.port}/app`);
        try {
          const [rows] = await conn.execute('select ? + ? as n, ? as s', [40, 2, 'tunnel']);
          expect(rows).toEqual([{ n: 42, s: 'tunnel' }]);
          await conn.query('create table blobs (id int primary key, b longblob)');
          const blob = Buffer.alloc(3 * 1024 * 1024, 7);
          await conn.execute('insert into blobs values (?, ?)', [1, blob]);
          const [back] = (await conn.query('select b from blobs where id = 1')) as unknown as [{ b: Buffer }[]];
          expect(back[0]!.b.equals(blob)).toBe(true);
        } finally {
          await conn.end();
        }
      },
    );
  });

  it('explains a server whose certificate is not from the Host CA, as an ERR packet', async () => {
    const foreign = await createCertAuthority('host', 'test');
    await withTunnel(
      async () => ({ ...creds('alice'), caPem: foreign.certPem }),
      async (p) => {
        const r = await mariadb(p.port, 'alice', 'select 1');
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(
          /ERROR 1429 \(HY000\): postern: cannot reach the Postern proxy at 127\.0\.0\.1:\d+: its certificate is not signed by the cluster's Host CA .*; check `postern db login shop`/,
        );
        const viaDriver = await mysql.createConnection(`mysql://alice@127.0.0.1:${p.port}/app`).catch((e: unknown) => e as { errno: number; sqlState: string });
        expect(viaDriver).toMatchObject({ errno: 1429, sqlState: 'HY000' });
      },
    );
  });

  it('refuses before the greeting when there is no certificate to use, with what to run', async () => {
    await withTunnel(
      async () => {
        throw new Error('the certificate for shop has expired and could not be renewed: run `postern db login shop`');
      },
      async (p, logs) => {
        const r = await mariadb(p.port, 'alice', 'select 1');
        expect(r.code).not.toBe(0);
        expect(r.stderr.trim()).toBe('ERROR 1045 (28000): postern: the certificate for shop has expired and could not be renewed: run `postern db login shop`');
        const viaDriver = await mysql.createConnection(`mysql://alice@127.0.0.1:${p.port}/app`).catch((e: unknown) => e as { errno: number; sqlState: string; message: string });
        expect(viaDriver).toMatchObject({ errno: 1045, sqlState: '28000', message: expect.stringContaining('postern db login shop') });
        await waitForLog(logs, /refused: the certificate for shop has expired/);
      },
    );
  });

  it('says so when the proxy is down or does not offer TLS', async () => {
    const closed = await freePort();
    await withTunnel(
      async () => creds('alice'),
      async (p) => {
        const r = await mariadb(p.port, 'alice', 'select 1');
        expect(r.stderr).toMatch(new RegExp(`ERROR 1429 \\(HY000\\): postern: cannot reach the Postern proxy at 127\\.0\\.0\\.1:${closed}: connect ECONNREFUSED`));
      },
      { host: '127.0.0.1', port: closed },
    );

    // A server without TLS: whatever it is, the certificate must not go to it in the clear.
    const plain = net.createServer((s) => {
      s.on('error', () => {});
      const greeting = buildHandshakeV10({
        serverVersion: '10.11.0-MariaDB',
        connectionId: 1,
        authPluginData: Buffer.alloc(20, 0x41),
        capabilities: Capability.Protocol41 | Capability.SecureConnection | Capability.PluginAuth | Capability.LongPassword,
        characterSet: 45,
        statusFlags: 2,
        authPluginName: 'mysql_native_password',
        mariadbCapabilities: 0,
      });
      s.write(framePacket(greeting, 0));
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      await withTunnel(
        async () => creds('alice'),
        async (p) => {
          const r = await mariadb(p.port, 'alice', 'select 1');
          expect(r.stderr).toMatch(/ERROR 1429 \(HY000\): postern: cannot reach the Postern proxy at 127\.0\.0\.1:\d+: it does not offer TLS/);
        },
        { host: '127.0.0.1', port: (plain.address() as net.AddressInfo).port },
      );
    } finally {
      plain.close();
    }
  });

  it('ends a connection that sends garbage with an ERR packet, and goes on serving', async () => {
    await withTunnel(
      async () => creds('alice'),
      async (p, logs) => {
        const exchange = (bytes: Buffer, waitForGreeting: boolean) =>
          new Promise<Buffer>((resolve, reject) => {
            const s = net.connect(p.port, '127.0.0.1');
            let got = Buffer.alloc(0);
            s.on('data', (d: Buffer) => {
              const first = got.length === 0;
              got = Buffer.concat([got, d]);
              if (first && waitForGreeting) s.write(bytes);
            });
            if (!waitForGreeting) s.write(bytes);
            s.once('close', () => resolve(got));
            s.once('error', reject);
          });
        const http = Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
        // A response too short for a HandshakeResponse41, framed correctly.
        const truncated = framePacket(Buffer.from([0x0d, 0xa6, 0x03, 0x00, 1]), 1);
        for (const [bytes, afterGreeting] of [
          [http, false],
          [http, true],
          [truncated, true],
        ] as const) {
          const answer = await exchange(bytes, afterGreeting);
          // The greeting (sequence 0), then an ERR packet, then the tunnel hangs up.
          const greetingLength = answer.readUIntLE(0, 3);
          expect(answer[3]).toBe(0);
          const err = answer.subarray(4 + greetingLength);
          expect(err[4]).toBe(0xff);
          expect(err.readUInt16LE(5)).toBe(1043);
          expect(err.subarray(7).toString()).toMatch(/^#08S01postern: bad handshake: /);
        }
        await waitForLog(logs, /refused: bad handshake/);
        const r = await mariadb(p.port, 'alice', 'select 42');
        expect(r.stdout.trim()).toBe('42');
      },
    );
  });
});
