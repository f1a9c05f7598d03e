import { freePort } from '@postern/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_UNAVAILABLE_MESSAGE, TLS_REQUIRED_MESSAGE } from '../../src/index';
import { createTestPki } from '@postern/testing';
import { DB_NAME, startHarness } from '../helpers/harness';
import type { Harness } from '../helpers/harness';

// Every way a session is refused, seen from the real mariadb client (which prints
// "ERROR <code> (<SQLSTATE>): <message>") and mysql2: the reason must reach the person,
// and the refusal must be audited.

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    setup: async (db) => {
      // bob exists, but the database wants another subject than the certificate Postern presents for him.
      await db.query(`create user bob@'%' require subject '/CN=not-bob'; grant all on ${DB_NAME}.* to bob@'%'`);
    },
  });
  const created = await h.mariadb('create table ledger (n int)');
  expect(created.stderr).toBe('');
  await h.idle();
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.reset();
});

describe('MysqlEngine refusing sessions', () => {
  it('tells the client why authorize() denied it (1045/28000), and audits the denial', async () => {
    const reason = 'access to database "demo" is not allowed: your roles (dev) do not match its labels';
    h.config.authorize = async () => ({ allowed: false, reason });
    const result = await h.mariadb('select 1');
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe(`ERROR 1045 (28000): ${reason}`);
    expect(await h.refusedStart()).toEqual({ event: 'db.session.start', success: false, error: reason });
  });

  it('gives mysql2 the error number and SQLSTATE', async () => {
    h.config.authorize = async () => ({ allowed: false, reason: 'locked' });
    const error = await h.connect().catch((err: unknown) => err as { errno: number; sqlState: string; message: string });
    expect(error).toMatchObject({ errno: 1045, sqlState: '28000', message: 'locked' });
  });

  it('refuses with an internal error when the access check itself fails', async () => {
    h.config.authorize = async () => {
      throw new Error('store down');
    };
    const result = await h.mariadb('select 1');
    expect(result.stderr).toMatch(/^ERROR 1105 \(HY000\): Postern could not check your access/);
    expect(JSON.stringify(h.logs)).toMatch(/store down/);
  });

  it('refuses a db user other than the route with the command that would fit', async () => {
    const result = await h.mariadb('select 1', { user: 'root' });
    expect(result.stderr.trim()).toBe(
      'ERROR 1045 (28000): this certificate is for db user "alice" and database "appdb", not user "root" and database "appdb": run `postern db login demo --db-user root --db-name appdb` for one that is',
    );
    expect((await h.refusedStart()).error).toMatch(/not user "root"/);
  });

  it('refuses a database other than the route', async () => {
    const result = await h.mariadb('select 1', { database: 'otherdb' });
    expect(result.stderr).toContain('--db-user alice --db-name otherdb');
  });

  it("lets a wildcard route take the client's database, and forwards the database's own refusal of it", async () => {
    h.config.route = { username: 'alice', database: '*' };
    const ok = await h.mariadb('select database()', { database: 'otherdb' });
    expect(ok.stdout.trim()).toBe('otherdb');
    const none = await h.mariadb('select database()');
    expect(none.stdout.trim()).toBe('NULL');
    const missing = await h.mariadb('select 1', { database: 'nosuchdb' });
    expect(missing.stderr.trim()).toBe("ERROR 1044 (42000): Access denied for user 'alice'@'%' to database 'nosuchdb'");
  });

  it('says which database is unreachable, and why (1429)', async () => {
    const port = await freePort();
    h.config.database = { ...h.config.database, uri: `127.0.0.1:${port}` };
    const result = await h.mariadb('select 1');
    expect(result.stderr.trim()).toBe(`ERROR 1429 (HY000): database demo at 127.0.0.1:${port} is unreachable: ECONNREFUSED`);
    expect((await h.refusedStart()).error).toMatch(/unreachable: ECONNREFUSED/);
  });

  it("says the database refused Postern's certificate when the subject does not match", async () => {
    h.config.route = { username: 'bob', database: DB_NAME };
    const result = await h.mariadb('select 1', { user: 'bob' });
    expect(result.stderr).toMatch(/^ERROR 1045 \(28000\): the database refused Postern's certificate for user bob: Access denied for user 'bob'@'127\.0\.0\.1'/);
    expect(result.stderr).toContain("REQUIRE SUBJECT '/CN=bob'");
    expect((await h.refusedStart()).error).toMatch(/refused Postern's certificate/);
  });

  it('refuses a database whose certificate is not from its configured CA (1429)', async () => {
    const foreign = await createTestPki();
    h.config.database = { ...h.config.database, caPem: foreign.ca.certPem };
    const result = await h.mariadb('select 1');
    expect(result.stderr).toMatch(/^ERROR 1429 \(HY000\): TLS with database demo at 127\.0\.0\.1:\d+ failed: .*(self[- ]signed|unable to verify|issuer)/i);
  });

  it('verifies the database host name (localhost is in the certificate)', async () => {
    h.config.database = { ...h.config.database, uri: `localhost:${h.db.port}` };
    const result = await h.mariadb('select 7');
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('7');
  });

  it('refuses a client that does not use TLS', async () => {
    const result = await h.mariadb('select 1', { args: ['--skip-ssl'] });
    expect(result.stderr.trim()).toBe(`ERROR 1045 (28000): ${TLS_REQUIRED_MESSAGE}`);
    await h.idle();
    expect(h.sessions).toEqual([]);
  });

  it('refuses to start a session it cannot audit', async () => {
    h.config.auditFails = (draft) => draft.event === 'db.session.start';
    const result = await h.mariadb('select 1');
    expect(result.stderr.trim()).toBe(`ERROR 1040 (HY000): ${AUDIT_UNAVAILABLE_MESSAGE}`);
    await h.idle();
    expect(h.sessions[0]!.audits).toEqual([]);
  });

  it('stops a session whose query cannot be audited, before the query runs', async () => {
    h.config.auditFails = (draft) => draft.event === 'db.session.query' && String(draft['db_query']).includes('ledger');
    const conn = await h.connect();
    await conn.query('select 1');
    const error = await conn.query('insert into ledger values (99)').catch((err: unknown) => err as { errno?: number; message: string });
    expect(error).toMatchObject({ errno: 1040, message: AUDIT_UNAVAILABLE_MESSAGE });
    await h.idle();
    expect(h.sessions[0]!.audits.map((a) => a.event)).toEqual(['db.session.start', 'db.session.query', 'db.session.end']);
    // With the audit log back, a new session shows the insert never ran.
    h.config.auditFails = () => false;
    const check = await h.mariadb('select count(*) from ledger');
    expect(check.stdout.trim()).toBe('0');
  });

  it('refuses a statement too large to audit (1153), and the database never runs it', async () => {
    const small = await startHarness({ engine: { maxPacketLength: 1024 * 1024 } });
    try {
      const conn = await small.connect();
      const error = await conn.query(`select length('${'x'.repeat(2 * 1024 * 1024)}')`).catch((err: unknown) => err as { errno?: number; message: string });
      expect(error).toMatchObject({ errno: 1153, message: expect.stringMatching(/over the limit of 1 MiB/) });
      await small.idle();
      expect(small.queryDrafts()).toEqual([]);
    } finally {
      await small.stop();
    }
  });
});
