import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DB_NAME, DB_USER, startHarness } from '../helpers/harness';
import type { Harness } from '../helpers/harness';

// Real psql and node-postgres through readStartup + PostgresEngine to a real PostgreSQL
// with TLS and certificate authentication.

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  // Tables belong to alice, created through the engine itself.
  const result = await h.psql('create table nums (n int); create table notes (id serial primary key, body text)');
  expect(result.stderr).toBe('');
  await h.idle();
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.reset();
});

describe('PostgresEngine relaying psql and node-postgres', () => {
  it('runs a query and audits start, query and end', async () => {
    const result = await h.psql('select current_user, current_database(), 1 + 1');
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(`${DB_USER}|${DB_NAME}|2`);
    await h.idle();
    expect(h.sessions).toHaveLength(1);
    expect(h.sessions[0]!.audits).toEqual([
      { event: 'db.session.start', success: true },
      { event: 'db.session.query', db_query: 'select current_user, current_database(), 1 + 1' },
      { event: 'db.session.end' },
    ]);
  });

  it('runs psql meta-commands (\\dt), audited as the catalog queries psql sends', async () => {
    const result = await h.psql('\\dt');
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/public\|nums\|table\|alice/);
    await h.idle();
    const queries = h.queryDrafts();
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatchObject({ db_query: expect.stringMatching(/pg_catalog\.pg_class/) });
  });

  it('audits a multi-statement simple query as one event', async () => {
    const result = await h.psql('select 1; select 2');
    expect(result.stdout.trim().split('\n')).toEqual(['1', '2']);
    await h.idle();
    expect(h.queryDrafts()).toEqual([{ event: 'db.session.query', db_query: 'select 1; select 2' }]);
  });

  it('audits the extended protocol with its SQL and parameters', async () => {
    const client = await h.connect();
    const sum = await client.query('select $1::int + $2::int as sum', [1, 2]);
    expect(sum.rows).toEqual([{ sum: 3 }]);
    const named = { name: 'add', text: 'select $1::text || $2::text as s', values: ['a', null] };
    await client.query(named);
    await client.query({ ...named, values: ['b', 'c'] });
    await client.end();
    await h.idle();
    expect(h.queryDrafts()).toEqual([
      { event: 'db.session.query', db_query: 'select $1::int + $2::int as sum', db_query_parameters: ['1', '2'] },
      { event: 'db.session.query', db_query: 'select $1::text || $2::text as s', db_query_parameters: ['a', 'NULL'] },
      { event: 'db.session.query', db_query: 'select $1::text || $2::text as s', db_query_parameters: ['b', 'c'] },
    ]);
  });

  it('copies data in with COPY FROM STDIN and out with COPY TO STDOUT', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i}`).join('\n') + '\n';
    const copyIn = await h.psql('copy nums from stdin', { input: rows });
    expect(copyIn.stderr).toBe('');
    expect(copyIn.stdout.trim()).toBe('COPY 5000');
    const copyOut = await h.psql('copy (select n from nums order by n limit 3) to stdout');
    expect(copyOut.stdout).toBe('0\n1\n2\n');
    await h.idle();
    // One event per COPY statement, none per row.
    expect(h.queryDrafts().map((d) => (d as { db_query: string }).db_query)).toEqual([
      'copy nums from stdin',
      'copy (select n from nums order by n limit 3) to stdout',
    ]);
  });

  it('emits exactly one query event per statement sent', async () => {
    const client = await h.connect();
    let sent = 0;
    for (let i = 0; i < 20; i++) {
      await client.query(`select ${i}`);
      await client.query('insert into notes (body) values ($1)', [`note ${i}`]);
      sent += 2;
    }
    await client.query('begin');
    await client.query('select count(*) from notes');
    await client.query('commit');
    sent += 3;
    await expect(client.query('select * from missing_table')).rejects.toThrow(/does not exist/);
    sent += 1;
    await client.end();
    await h.idle();
    expect(h.queryDrafts()).toHaveLength(sent);
  });

  it('passes the client settings through, and the route identity', async () => {
    const client = await h.connect({ application_name: 'postern-spec' });
    const { rows } = await client.query("select current_setting('application_name') as app, current_user as who");
    expect(rows).toEqual([{ app: 'postern-spec', who: DB_USER }]);
    await client.end();
  });

  it('relays large results and large parameters intact', async () => {
    const client = await h.connect();
    const big = await client.query("select count(*)::int as n, sum(length(r))::int as total from (select repeat('x', 1000) as r from generate_series(1, 20000)) s");
    expect(big.rows).toEqual([{ n: 20000, total: 20_000_000 }]);
    const rows = await client.query("select repeat('y', 1000) as r from generate_series(1, 20000)");
    expect(rows.rows).toHaveLength(20000);
    const payload = 'z'.repeat(5 * 1024 * 1024);
    const echoed = await client.query('select length($1::text) as n', [payload]);
    expect(echoed.rows).toEqual([{ n: payload.length }]);
    await client.end();
    await h.idle();
    const last = h.queryDrafts().at(-1) as { db_query_parameters: string[] };
    expect(last.db_query_parameters[0]).toMatch(/… \(5242880 bytes\)$/);
  });

  it('serves concurrent sessions independently', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => h.psql(`select ${i} * 10`)));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 8 }, (_, i) => `${i * 10}`));
    await h.idle();
    expect(h.sessions).toHaveLength(8);
    for (const s of h.sessions) expect(s.audits.map((a) => a.event)).toEqual(['db.session.start', 'db.session.query', 'db.session.end']);
  });

  it('never writes query text or parameters to the logs, and only valid audit drafts', async () => {
    const client = await h.connect();
    await client.query("select 'secret-marker-1' as x where $1::text is not null", ['secret-marker-2']);
    await client.end();
    await h.psql("select 'secret-marker-3'");
    await h.idle();
    expect(h.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(h.logs)).not.toMatch(/secret-marker/);
    expect(h.auditSchemaErrors).toEqual([]);
  });

  it('relays the server closing the session, with its reason, and audits the end', async () => {
    const client = await h.connect();
    const closed = new Promise<void>((resolve) => client.once('end', resolve));
    const errors: Error[] = [];
    client.on('error', (err) => errors.push(err));
    await client.query('select 1');
    await h.db.query(`select pg_terminate_backend(pid) from pg_stat_activity where usename = '${DB_USER}'`);
    await closed;
    // The server's FATAL arrives first; node-postgres then also reports the closed socket, as it does without Postern.
    expect(errors[0]?.message).toMatch(/terminating connection due to administrator command/);
    await h.idle();
    expect(h.sessions[0]!.audits.at(-1)).toEqual({ event: 'db.session.end' });
  });

  it('ends the session and forgets its backend key when the client goes away', async () => {
    const client = await h.connect();
    await client.query('select 1');
    expect(h.liveKeys.size).toBe(1);
    // Gone without a Terminate: the engine still closes both sides and audits the end.
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await h.idle();
    expect(h.sessions[0]!.audits.at(-1)).toEqual({ event: 'db.session.end' });
    expect(h.liveKeys.size).toBe(0);
  });
});
