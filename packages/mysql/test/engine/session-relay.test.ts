import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Capability, DEFAULT_PROXY_CAPABILITIES, probeServer, probeServerVersion } from '../../src/index';
import { freePort } from '@postern/testing';
import { hex } from '@postern/testing/bytes';
import { errFields } from '../helpers/wire-client';
import type { WireClient } from '../helpers/wire-client';
import { wireLogin } from '../helpers/wire-login';
import { DB_NAME, DB_USER, PROXY_VERSION, startHarness } from '../helpers/harness';
import type { Harness } from '../helpers/harness';

// The real mariadb client and node mysql2 through readHandshake + MysqlEngine to a real
// MariaDB with TLS whose users log in by certificate.

let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postern-mysql-relay-'));
  h = await startHarness();
  // Tables belong to appdb, created through the engine itself.
  const created = await h.mariadb('create table nums (n int); create table notes (id int auto_increment primary key, body text); create table blobs (id int primary key, b longblob)');
  expect(created.stderr).toBe('');
  await h.idle();
});
afterAll(async () => {
  await h?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  h.reset();
});

const rowsOf = (result: unknown): RowDataPacket[] => (result as [RowDataPacket[]])[0];

describe('MysqlEngine relaying the mariadb client and mysql2', () => {
  it('runs a query as the route user and audits start, query and end', async () => {
    const result = await h.mariadb('select current_user(), database(), 1 + 1');
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${DB_USER}@%\t${DB_NAME}\t2\n`);
    await h.idle();
    expect(h.sessions).toHaveLength(1);
    expect(h.sessions[0]!.audits).toEqual([
      { event: 'db.session.start', success: true },
      { event: 'db.session.query', db_query: 'select current_user(), database(), 1 + 1' },
      { event: 'db.session.end' },
    ]);
  });

  it('greets clients with the version it is given, over TLS to the database too', async () => {
    const status = await h.mariadb('status');
    expect(status.stdout).toMatch(new RegExp(`Server version:\\s+${PROXY_VERSION.replaceAll('.', '\\.')}`));
    expect(status.stdout).toMatch(/SSL:\s+Cipher in use/);
    const conn = await h.connect();
    const inner = (conn as unknown as { connection: { _handshakePacket: { serverVersion: string } } }).connection;
    expect(inner._handshakePacket.serverVersion).toBe(PROXY_VERSION);
    // The agent's own link is TLS, authenticated by certificate.
    const [rows] = await conn.query("select variable_value as v from information_schema.session_status where variable_name = 'Ssl_version'");
    expect(rowsOf([rows])[0]!['v']).toMatch(/^TLSv1\.[23]$/);
    await conn.end();
  });

  it('switches databases with USE (COM_INIT_DB), audited as db.session.mysql.init_db', async () => {
    const result = await h.mariadb('use otherdb; select database()');
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('otherdb');
    await h.idle();
    const audits = h.sessions[0]!.audits;
    expect(audits).toContainEqual({ event: 'db.session.mysql.init_db', schema_name: 'otherdb' });
    expect(audits.at(-2)).toEqual({ event: 'db.session.query', db_query: 'select database()' });
  });

  it('audits a multi-statement query as one event and relays every result set', async () => {
    const conn = await h.connect({ multipleStatements: true });
    const [results] = await conn.query('select 1 as a; select 2 as b; insert into nums values (7)');
    expect(results).toMatchObject([[{ a: 1 }], [{ b: 2 }], { affectedRows: 1 }]);
    await conn.end();
    await h.idle();
    expect(h.queryDrafts()).toEqual([{ event: 'db.session.query', db_query: 'select 1 as a; select 2 as b; insert into nums values (7)' }]);
  });

  it('audits prepared statements with their SQL and parameters', async () => {
    const conn = await h.connect();
    const [sum] = await conn.execute('select ? + ? as s', [1, 2]);
    expect(rowsOf([sum])).toEqual([{ s: 3 }]);
    // The same statement again: mysql2 reuses it, binding types anew.
    await conn.execute('select ? + ? as s', [40, 2]);
    const [mixed] = await conn.execute('select ? as t, ? as n, ? as d, ? as b, ? as f', [
      'héllo',
      null,
      new Date(Date.UTC(2024, 1, 29, 13, 42, 5)),
      Buffer.from([0, 255, 1]),
      1.5,
    ]);
    expect(rowsOf([mixed])[0]!['t']).toBe('héllo');
    await conn.end();
    await h.idle();
    const drafts = h.queryDrafts();
    expect(drafts[0]).toEqual({ event: 'db.session.query', db_query: 'select ? + ? as s', db_query_parameters: ['1', '2'] });
    expect(drafts[1]).toEqual({ event: 'db.session.query', db_query: 'select ? + ? as s', db_query_parameters: ['40', '2'] });
    const params = (drafts[2] as { db_query_parameters: string[] }).db_query_parameters;
    expect(params[0]).toBe('héllo');
    expect(params[1]).toBe('NULL');
    // mysql2 sends dates in the connection's time zone ('local' here); only the shape is fixed.
    expect(params[2]).toMatch(/^2024-0[23]-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
    expect(params[3]).toBe('\\x00ff01');
    expect(params[4]).toBe('1.5');
    expect(drafts).toHaveLength(3);
  });

  it('carries a 20 MiB value in and out intact, through packets of 16 MiB and more', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    const digest = createHash('md5').update(big).digest('hex');
    const conn = await h.connect();
    // A prepared statement (binary protocol) and a plain query (the value inlined as text).
    await conn.execute('insert into blobs values (?, ?)', [1, big]);
    await conn.query('insert into blobs values (2, ?)', [big.toString('hex').slice(0, 20 * 1024 * 1024)]);
    const [sums] = await conn.query('select id, md5(b) as m, length(b) as n from blobs order by id');
    expect(rowsOf([sums]).map((r) => [r['id'], r['n']])).toEqual([
      [1, big.length],
      [2, 20 * 1024 * 1024],
    ]);
    expect(rowsOf([sums])[0]!['m']).toBe(digest);
    const [back] = await conn.query('select b from blobs where id = 1');
    expect((rowsOf([back])[0]!['b'] as Buffer).equals(big)).toBe(true);
    await conn.end();
    await h.idle();
    const drafts = h.queryDrafts() as { db_query: string; db_query_parameters?: string[] }[];
    expect(drafts[0]!.db_query_parameters![1]).toMatch(/… \(20971520 bytes\)$/);
    expect(drafts[1]!.db_query.length).toBeGreaterThan(20 * 1024 * 1024);
  });

  it('serves 50 concurrent sessions independently', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const conn = await h.connect();
        const [rows] = await conn.query(`select ${i} * 10 as v, connection_id() as id`);
        await conn.end();
        return rowsOf([rows])[0]!;
      }),
    );
    expect(results.map((r) => r['v'])).toEqual(Array.from({ length: 50 }, (_, i) => i * 10));
    expect(new Set(results.map((r) => r['id'])).size).toBe(50);
    await h.idle();
    expect(h.sessions).toHaveLength(50);
    for (const s of h.sessions) expect(s.audits.map((a) => a.event)).toEqual(['db.session.start', 'db.session.query', 'db.session.end']);
  });

  it('emits exactly one query event per statement sent', async () => {
    const conn = await h.connect();
    let sent = 0;
    for (let i = 0; i < 20; i++) {
      await conn.query(`select ${i}`);
      await conn.execute('insert into notes (body) values (?)', [`note ${i}`]);
      sent += 2;
    }
    await conn.query('begin');
    await conn.query('select count(*) from notes');
    await conn.query('commit');
    sent += 3;
    await expect(conn.query('select * from missing_table')).rejects.toThrow(/doesn't exist/);
    await expect(conn.execute('select * from missing_table where x = ?', [1])).rejects.toThrow(/doesn't exist/);
    // A failed prepare runs nothing: no event.
    sent += 1;
    await conn.end();
    await h.idle();
    expect(h.queryDrafts()).toHaveLength(sent);
  });

  it('loads a local file (LOAD DATA LOCAL INFILE) without reading it as commands', async () => {
    const file = join(dir, 'nums.tsv');
    // Lines that start like COM_QUERY (0x03) and COM_CHANGE_USER (0x11) packets would.
    await writeFile(file, Array.from({ length: 20_000 }, (_, i) => `${i % 2 ? '\x03' : '\x11'}${i}`).join('\n') + '\n');
    const result = await h.mariadb(`load data local infile '${file}' into table nums (@v) set n = substr(@v, 2); select count(*) from nums where n < 20000`, {
      args: ['--local-infile=1'],
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(/^\d+$/);
    expect(Number(result.stdout.trim())).toBeGreaterThanOrEqual(20_000);
    await h.idle();
    expect(h.queryDrafts()).toHaveLength(2);
  });

  it('refuses COM_CHANGE_USER without passing it on', async () => {
    const conn = await h.connect();
    const error = await conn.changeUser({ user: 'root' }).catch((err: unknown) => err as { errno: number; sqlState: string; message: string });
    expect(error).toMatchObject({ errno: 1045, sqlState: '28000', message: expect.stringMatching(/Postern does not allow COM_CHANGE_USER/) });
    conn.destroy();
    await h.idle();
    // mysql2 treats a failed change of user as fatal and hangs up; the database only ever saw alice.
    expect(h.sessions[0]!.audits.map((a) => a.event)).toEqual(['db.session.start', 'db.session.end']);
  });

  it('relays the server ending the session, and audits the end', async () => {
    const conn = await h.connect();
    const [rows] = await conn.query('select connection_id() as id');
    const id = rowsOf([rows])[0]!['id'] as number;
    await h.db.query(`kill ${id}`);
    await expect(conn.query('select 1')).rejects.toThrow();
    await h.idle();
    expect(h.sessions[0]!.audits.at(-1)).toEqual({ event: 'db.session.end' });
  });

  it('says goodbye to the database (COM_QUIT) when a client vanishes between commands', async () => {
    const aborted = async (): Promise<number> => Number((await h.db.rows("show global status like 'Aborted_clients'"))[0]![1]);
    const before = await aborted();
    const conn = await h.connect();
    await conn.query('select 1');
    (conn as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await h.idle();
    expect(h.sessions[0]!.audits.at(-1)).toEqual({ event: 'db.session.end' });
    expect(await aborted()).toBe(before);
  });

  it('never writes query text or parameters to the logs, and only valid audit drafts', async () => {
    const conn = await h.connect();
    await conn.execute("select 'secret-marker-1' as x where ? is not null", ['secret-marker-2']);
    await conn.end();
    await h.mariadb("select 'secret-marker-3'");
    await h.idle();
    expect(h.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(h.logs)).not.toMatch(/secret-marker/);
    expect(h.auditSchemaErrors).toEqual([]);
  });
});

/** Physical packets up to and including the first for which `done` holds. */
async function readUntil(client: WireClient, done: (p: { sequenceId: number; payload: Buffer }) => boolean) {
  const packets: { sequenceId: number; payload: Buffer }[] = [];
  for (;;) {
    const p = await client.readPacket();
    packets.push(p);
    if (done(p)) return packets;
  }
}

const FLAGS = Capability.LongPassword | Capability.Protocol41 | Capability.SecureConnection | Capability.Ssl | Capability.PluginAuth |
  Capability.PluginAuthLenencClientData | Capability.ConnectWithDb | Capability.ConnectAttrs | Capability.MultiResults | Capability.Transactions;

describe('MysqlEngine on the wire', () => {
  it('answers the login with the database OK at sequence 3, and commands from sequence 1', async () => {
    const { client, result } = await wireLogin(h.port, FLAGS);
    expect(result.sequenceId).toBe(3);
    expect(result.payload[0]).toBe(0x00);
    client.send(hex('03 73656c6563742031'), 0); // select 1
    const answer = await readUntil(client, (p) => p.payload[0] === 0xfe && p.payload.length < 9 && p.sequenceId > 3);
    expect(answer.map((p) => p.sequenceId)).toEqual([1, 2, 3, 4, 5]);
    // column count, column definition, EOF, row "1", EOF
    expect(answer[0]!.payload).toEqual(hex('01'));
    expect(answer[3]!.payload).toEqual(hex('01 31'));
    client.destroy();
  });

  it('keeps the session after refusing COM_CHANGE_USER', async () => {
    const { client } = await wireLogin(h.port, FLAGS);
    client.send(hex('11 726f6f7400 00 00'), 0);
    const refusal = await client.readPacket();
    expect(refusal.sequenceId).toBe(1);
    expect(errFields(refusal.payload)).toMatchObject({ code: 1045, sqlState: '28000' });
    client.send(hex('03 73656c6563742063757272656e745f757365722829'), 0); // select current_user()
    const answer = await readUntil(client, (p) => p.payload[0] === 0xfe && p.payload.length < 9 && p.sequenceId > 3);
    expect(answer[3]!.payload.toString('utf8', 1)).toBe('alice@%');
    client.destroy();
  });

  it('relays CLIENT_DEPRECATE_EOF result sets when the proxy offers the flag', async () => {
    h.config.handshake = { capabilities: DEFAULT_PROXY_CAPABILITIES | Capability.DeprecateEof | Capability.SessionTrack };
    const { client, result, offered } = await wireLogin(h.port, FLAGS | Capability.DeprecateEof | Capability.SessionTrack);
    expect(offered & Capability.DeprecateEof).toBe(Capability.DeprecateEof);
    expect(result.sequenceId).toBe(3);
    client.send(hex('03 73656c6563742031'), 0);
    // No EOF after the column definitions; an OK with the 0xfe header ends the rows.
    const answer = await readUntil(client, (p) => p.payload[0] === 0xfe);
    expect(answer.map((p) => p.sequenceId)).toEqual([1, 2, 3, 4]);
    expect(answer[2]!.payload).toEqual(hex('01 31'));
    expect(answer[3]!.payload.length).toBeGreaterThanOrEqual(7);
    client.destroy();
    await h.idle();
    expect(Number(h.sessions[0]!.startup['capabilities']) & Capability.DeprecateEof).toBe(Capability.DeprecateEof);
  });

  it('does not pass on flags the proxy did not offer', async () => {
    const { client } = await wireLogin(h.port, FLAGS | Capability.DeprecateEof);
    client.send(hex('03 73656c6563742031'), 0);
    // The database was not asked for CLIENT_DEPRECATE_EOF either: an EOF follows the column definitions.
    const answer = await readUntil(client, (p) => p.payload[0] === 0xfe && p.payload.length < 9);
    expect(answer.map((p) => p.sequenceId)).toEqual([1, 2, 3]);
    client.destroy();
  });
});

describe('probeServerVersion', () => {
  it("reads the database's version and capabilities from its greeting", async () => {
    // Exactly as greeted: MariaDB 10 prefixes "5.5.5-" for old replication clients, which clients strip themselves.
    expect(await probeServerVersion(`127.0.0.1:${h.db.port}`)).toBe(`5.5.5-${h.db.version}`);
    const probe = await probeServer(`localhost:${h.db.port}`);
    expect(probe.capabilities & (Capability.Ssl | Capability.DeprecateEof)).toBe(Capability.Ssl | Capability.DeprecateEof);
  });

  it('rejects with the address when nothing answers', async () => {
    const port = await freePort();
    await expect(probeServerVersion(`127.0.0.1:${port}`)).rejects.toThrow(`the database at 127.0.0.1:${port} is unreachable: ECONNREFUSED`);
  });
});
