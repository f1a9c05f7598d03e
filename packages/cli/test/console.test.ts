import { type TestMariadb } from '@postern/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster } from './helpers/cluster';
import { ConsoleClient, type Browser } from './helpers/console';
import { startPgStack, type PgStack } from './helpers/pg-stack';

/** Besides dev, which allows env=dev databases. */
const ROLES: Record<string, string> = {
  'console-ro': 'kind: role\nmetadata: { name: console-ro }\nspec:\n  options: { console_read_only: true }\n',
  'console-small': 'kind: role\nmetadata: { name: console-small }\nspec:\n  options: { console_max_rows: 5, console_max_statement_duration: 1s }\n',
  staging: "kind: role\nmetadata: { name: staging }\nspec:\n  allow:\n    db_labels: { env: staging }\n    db_names: ['*']\n    db_users: ['*']\n",
};

/** The users and their roles, each with db user alice. */
const PEOPLE = { alice: 'dev', rita: 'dev,console-ro', lim: 'dev,console-small', mallory: 'staging' };

const PG = { db_service: 'demo', db_user: 'alice', db_name: 'app' };
const MY = { db_service: 'shop', db_user: 'alice', db_name: 'app' };

/**
 * The browser SQL console end to end, with real processes and databases: the page's calls
 * (sign-in cookie, CSRF token, ticket) and its WebSocket through the proxy, an agent in
 * another process running the statements with pg and mysql2 against PostgreSQL and MariaDB
 * that admit it by certificate only.
 */
describe('browser SQL console through proxy and agent', () => {
  let stack: PgStack;
  let c: Cluster;
  let maria: TestMariadb;
  let origin: string;
  let ca: string;
  const browsers: Record<string, Browser> = {};
  const open: ConsoleClient[] = [];

  const console_ = async (user: string, db: typeof PG) => {
    const client = await browsers[user]!.open(db);
    open.push(client);
    const ready = client.received.find((m) => m.type === 'ready' || m.type === 'error');
    expect(ready?.type, JSON.stringify(ready)).toBe('ready');
    return client;
  };

  beforeAll(async () => {
    stack = await startPgStack({ mariadb: true, roles: ROLES, users: PEOPLE });
    ({ c, origin, ca } = stack);
    maria = stack.maria!;
    for (const user of Object.keys(PEOPLE)) browsers[user] = await stack.signIn(user);
  });

  afterAll(async () => {
    for (const client of open) client.ws.terminate();
    await stack?.stop();
  });

  describe('PostgreSQL', () => {
    it('creates a table, inserts and selects, one result per statement', async () => {
      const con = await console_('alice', PG);
      const ready = con.received.find((m) => m.type === 'ready');
      expect(ready).toMatchObject({ session: { protocol: 'postgres', db_user: 'alice', db_name: 'app', limits: { read_only: false } } });
      const r = await con.run("create table items (id int primary key, name text);\ninsert into items values (1, 'one'), (2, 'two'), (3, null);\nselect id, name from items order by id;");
      expect(r.statements.map((s) => s.error?.message)).toEqual([undefined, undefined, undefined]);
      expect(r.statements.map((s) => s.done?.command)).toEqual(['CREATE', 'INSERT', 'SELECT']);
      expect(r.statements[1]!.done!.rowCount).toBe(3);
      const select = r.statements[2]!;
      expect(select.columns).toEqual([
        { name: 'id', type: 'integer' },
        { name: 'name', type: 'text' },
      ]);
      expect(select.rows).toEqual([
        ['1', 'one'],
        ['2', 'two'],
        ['3', null],
      ]);
      expect(select.done).toMatchObject({ rowCount: 3 });
      expect(select.done!.ms).toBeGreaterThanOrEqual(0);
      // The database user and database are those of the route.
      const who = await con.run('select current_user, current_database()');
      expect(who.statements[0]!.rows).toEqual([['alice', 'app']]);
    });

    it('streams a large result by credit, and the rest on fetch', async () => {
      const con = await console_('alice', PG);
      const id = con.start('select g from generate_series(1, 100000) g', 1000);
      await con.next((m) => m.type === 'columns' && m.id === id);
      // Without credit the agent sends nothing more.
      await new Promise((r) => setTimeout(r, 500));
      const first = con.received.filter((m) => m.type === 'rows' && m.id === id).flatMap((m) => (m as { rows: unknown[] }).rows);
      expect(first).toHaveLength(1000);
      expect(con.received.some((m) => m.type === 'done' && m.id === id)).toBe(false);
      await con.collect(id);
      const rows = con.received.filter((m) => m.type === 'rows' && m.id === id).flatMap((m) => (m as { rows: string[][] }).rows);
      expect(rows).toHaveLength(100_000);
      expect(rows[99_999]).toEqual(['100000']);
      expect(con.received.find((m) => m.type === 'done' && m.id === id)).toMatchObject({ rowCount: 100_000, command: 'SELECT' });
    });

    it('shows an error with its position in the text', async () => {
      const con = await console_('alice', PG);
      const sql = 'select 1;\nselect * fro items;\nselect 2';
      const r = await con.run(sql);
      expect(r.statements).toHaveLength(2); // the third did not run
      const err = r.statements[1]!.error!;
      expect(err.message).toMatch(/syntax error at or near "fro"/);
      expect(err.code).toBe('42601');
      expect(sql.slice(err.position! - 1, err.position! + 2)).toBe('fro');
    });

    it('cancels SELECT pg_sleep(60) long before it would end, and goes on', async () => {
      const con = await console_('alice', PG);
      const id = con.start('select pg_sleep(60)');
      await con.next((m) => m.type === 'statement' && m.id === id);
      await new Promise((r) => setTimeout(r, 300));
      const at = Date.now();
      con.send({ type: 'cancel', id });
      const err = await con.next((m) => m.type === 'error' && m.id === id, 15_000);
      expect(Date.now() - at).toBeLessThan(10_000);
      expect(err).toMatchObject({ code: '57014', message: expect.stringMatching(/canceling statement due to user request/) });
      await con.next((m) => m.type === 'ready' && m.id === id);
      expect((await con.run('select 42')).statements[0]!.rows).toEqual([['42']]);
    });

    it('keeps a read-only role from writing, whatever the session says', async () => {
      const con = await console_('rita', PG);
      expect(con.received.find((m) => m.type === 'ready')).toMatchObject({ session: { limits: { read_only: true } } });
      const r = await con.run('select count(*) from items');
      expect(r.statements[0]!.rows).toEqual([['3']]);
      const write = await con.run("insert into items values (9, 'nine')");
      expect(write.statements[0]!.error?.message).toMatch(/cannot execute INSERT in a read-only transaction/);
      const lift = await con.run("set session characteristics as transaction read write;\nset default_transaction_read_only = off;\ninsert into items values (9, 'nine')");
      expect(lift.statements[2]!.error?.message).toMatch(/read-only transaction/);
      const sneaky = await con.run("begin read write; insert into items values (9, 'nine')");
      expect(sneaky.statements.map((s) => s.error?.message ?? 'ok').join(' | ')).toMatch(/read-only transaction/);
      const inBlock = await con.run("do $$ begin set transaction read write; insert into items values (9, 'nine'); end $$");
      expect(inBlock.statements[0]!.error?.message).toMatch(/read-write mode must be set before any query|read-only transaction/);
      const commitInBlock = await con.run("do $$ begin commit; insert into items values (9, 'nine'); end $$");
      expect(commitInBlock.statements[0]!.error?.message).toMatch(/invalid transaction termination|read-only transaction/);
      // Alice (same db user, no console-ro role) sees that nothing was written.
      const alice = await console_('alice', PG);
      expect((await alice.run('select count(*) from items where id = 9')).statements[0]!.rows).toEqual([['0']]);
    });

    it('applies a role’s max rows and max statement duration', async () => {
      const con = await console_('lim', PG);
      expect(con.received.find((m) => m.type === 'ready')).toMatchObject({ session: { limits: { max_rows: 5, max_statement_ms: 1000 } } });
      const many = await con.run('select g from generate_series(1, 100) g');
      expect(many.statements[0]!.rows).toHaveLength(5);
      expect(many.statements[0]!.done).toMatchObject({ rowCount: 5, stopped: { reason: 'max_rows', message: expect.stringMatching(/console_max_rows/) } });
      const at = Date.now();
      const slow = await con.run('select pg_sleep(10)');
      expect(slow.statements[0]!.error?.message).toMatch(/statement timeout/);
      expect(Date.now() - at).toBeLessThan(5000);
    });
  });

  describe('MariaDB', () => {
    it('creates a table, inserts and selects', async () => {
      const con = await console_('alice', MY);
      expect(con.received.find((m) => m.type === 'ready')).toMatchObject({ session: { protocol: 'mysql', server_version: expect.stringMatching(/MariaDB/) } });
      const r = await con.run("create table t (id int primary key, v varchar(20), b varbinary(4));\ninsert into t values (1, 'one', 0x0102), (2, 'zwei ü', null);\nselect id, v, b from t order by id");
      expect(r.statements.map((s) => s.error?.message)).toEqual([undefined, undefined, undefined]);
      expect(r.statements[1]!.done).toMatchObject({ rowCount: 2, command: 'INSERT' });
      expect(r.statements[2]!.columns!.map((col) => col.name)).toEqual(['id', 'v', 'b']);
      expect(r.statements[2]!.rows).toEqual([
        ['1', 'one', '0x0102'],
        ['2', 'zwei ü', null],
      ]);
      expect((await con.run('select current_user(), database()')).statements[0]!.rows).toEqual([['alice@%', 'app']]);
    });

    it('shows an error with its position', async () => {
      const con = await console_('alice', MY);
      const sql = 'select 1;\nselect * frm t';
      const err = (await con.run(sql)).statements[1]!.error!;
      expect(err.message).toMatch(/You have an error in your SQL syntax/);
      expect(err.code).toMatch(/^1064/);
      expect(sql.slice(err.position! - 1)).toMatch(/^frm t/);
    });

    it('cancels SELECT SLEEP(60) long before it would end', async () => {
      const con = await console_('alice', MY);
      const id = con.start('select sleep(60)');
      await con.next((m) => m.type === 'statement' && m.id === id);
      await new Promise((r) => setTimeout(r, 300));
      const at = Date.now();
      con.send({ type: 'cancel', id });
      await con.next((m) => (m.type === 'done' || m.type === 'error') && m.id === id, 15_000);
      expect(Date.now() - at).toBeLessThan(10_000);
      await con.next((m) => m.type === 'ready' && m.id === id);
      expect((await con.run('select 7')).statements[0]!.rows).toEqual([['7']]);
    });

    it('keeps a read-only role from writing', async () => {
      const con = await console_('rita', MY);
      const write = await con.run("insert into t values (9, 'nine', null)");
      expect(write.statements[0]!.error?.message).toMatch(/READ ONLY transaction/i);
      const lift = await con.run("set session transaction read write; insert into t values (9, 'nine', null)");
      expect(lift.statements.map((s) => s.error?.message ?? 'ok').join(' | ')).toMatch(/READ ONLY transaction/i);
      const ddl = await con.run('create table t2 (id int)');
      expect(ddl.statements[0]!.error?.message).toMatch(/READ ONLY transaction|XAER_RMFAIL/i);
      // A compound statement can COMMIT a plain read-only transaction and then turn the session read-write.
      const compound = await con.run("delimiter //\nbegin not atomic commit; set session tx_read_only = 0; insert into t values (9, 'nine', null); end//");
      expect(compound.statements[0]!.error?.message).toMatch(/XAER_RMFAIL|READ ONLY transaction/i);
      expect(await maria.rows('select count(*) from app.t where id = 9')).toEqual([['0']]);
      expect(await maria.rows("select count(*) from information_schema.tables where table_schema = 'app' and table_name = 't2'")).toEqual([['0']]);
      // Reading still works, statement after statement.
      expect((await con.run('select count(*) from t; select 1')).statements.map((st) => st.rows)).toEqual([[['2']], [['1']]]);
    });
  });

  describe('refusals', () => {
    it('refuses a ticket for a database the roles do not allow', async () => {
      const hidden = await browsers.mallory!.ticket(PG);
      expect(hidden.status).toBe(404);
      expect(hidden.json.error.message).toMatch(/unknown database "demo"/);
      const otherUser = await browsers.alice!.ticket({ ...PG, db_user: 'postgres' });
      expect(otherUser.status).toBe(403);
      expect(otherUser.json.error.message).toMatch(/db user "postgres" is not allowed/);
    });

    it('refuses a ticket without the CSRF token', async () => {
      const b = browsers.alice!;
      const { httpsRequest } = await import('./helpers/console');
      const r = await httpsRequest(`${origin}/api/v1/console/tickets`, { method: 'POST', ca, body: PG, headers: { cookie: b.cookie, origin } });
      expect(r.status).toBe(403);
    });

    it('refuses the WebSocket for a bad, used or foreign ticket, or another origin', async () => {
      const b = browsers.alice!;
      expect(await b.connect('not-a-ticket')).toMatchObject({ status: 401, body: expect.stringMatching(/unknown, used or expired/) });

      const t1 = (await b.ticket(PG)).json.ticket as string;
      const first = await b.connect(t1);
      expect(first).toBeInstanceOf(ConsoleClient);
      open.push(first as ConsoleClient);
      expect(await b.connect(t1)).toMatchObject({ status: 401 });

      const t2 = (await b.ticket(PG)).json.ticket as string;
      expect(await b.connect(t2, { origin: 'https://evil.example' })).toMatchObject({ status: 403, body: expect.stringMatching(/Origin/) });
      // The refusal used the ticket up.
      expect(await b.connect(t2)).toMatchObject({ status: 401 });

      const t3 = (await b.ticket(PG)).json.ticket as string;
      expect(await b.connect(t3, { cookie: browsers.rita!.cookie })).toMatchObject({ status: 403, body: expect.stringMatching(/another session/) });
      const t4 = (await b.ticket(PG)).json.ticket as string;
      expect(await b.connect(t4, { cookie: '' })).toMatchObject({ status: 401, body: expect.stringMatching(/no session cookie/) });
    });
  });

  it('audits console sessions like native ones: start, one query per statement, end, access_through web', async () => {
    const marker = `m${Date.now()}`;
    const con = await console_('alice', PG);
    await con.run(`select '${marker}' as a; select 2;\nselect 3`);
    con.close();
    const admin = c.newHome();
    await c.postern(['admin', 'users', 'sign', 'admin', '--out', admin, '--config', c.configFile]);
    const search = async (args: string[]) => {
      const res = await c.postern(['audit', 'search', '--format', 'json', '--limit', '5000', ...args], { home: admin });
      expect(res.code, res.stderr).toBe(0);
      return JSON.parse(res.stdout) as { sid: string; event: string; db_query?: string; access_through?: string; user: string; db_user: string; db_name: string }[];
    };
    let sid: string | undefined;
    let events: Awaited<ReturnType<typeof search>> = [];
    for (let i = 0; i < 40; i++) {
      sid ??= (await search(['--event', 'db.session.query', '--query', marker])).find((e) => e.db_query === `select '${marker}' as a`)?.sid;
      if (sid) {
        events = (await search(['--db', 'demo'])).filter((e) => e.sid === sid);
        if (events.some((e) => e.event === 'db.session.end')) break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(sid).toBeDefined();
    const ordered = [...events].sort((a, b) => (a as unknown as { ei: number }).ei - (b as unknown as { ei: number }).ei);
    expect(ordered.map((e) => e.event)).toEqual(['db.session.start', 'db.session.query', 'db.session.query', 'db.session.query', 'db.session.end']);
    expect(ordered.filter((e) => e.event === 'db.session.query').map((e) => e.db_query)).toEqual([`select '${marker}' as a`, 'select 2', 'select 3']);
    expect(ordered.every((e) => e.access_through === 'web' && e.user === 'alice' && e.db_user === 'alice' && e.db_name === 'app')).toBe(true);
  });
});
