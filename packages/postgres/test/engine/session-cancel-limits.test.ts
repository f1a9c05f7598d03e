import { spawn } from 'node:child_process';
import { freePort } from '@postern/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendCancelRequest, serialize, SqlState } from '../../src/index';
import { hex } from '@postern/testing/bytes';
import { DB_NAME, DB_USER, eventually, startHarness } from '../helpers/harness';
import type { Harness } from '../helpers/harness';
import { errorFields, WireClient } from '../helpers/wire-client';

let h: Harness;
const wires: WireClient[] = [];

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  for (const w of wires) w.destroy();
  await h?.stop();
});
beforeEach(() => {
  h.reset();
});

/** The one live backend key, once the engine has published it and the query is under way. */
async function runningKey(sql: string) {
  await eventually(() => h.queryDrafts().some((d) => 'db_query' in d && d.db_query === sql), 10_000, 'the query to be sent');
  expect(h.liveKeys.size).toBe(1);
  // The query is on its way to the server; give it a moment to start sleeping.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return [...h.liveKeys.values()][0]!;
}

describe('cancel requests', () => {
  it('sendCancelRequest stops pg_sleep(30) long before it would end', async () => {
    const client = await h.connect();
    const sleeping = client.query('select pg_sleep(30)').catch((err: unknown) => err as { code?: string });
    const key = await runningKey('select pg_sleep(30)');
    const started = Date.now();
    await sendCancelRequest(key.database, key.pid, key.key);
    expect(await sleeping).toMatchObject({ code: '57014' }); // query_canceled
    // Seconds at most on a loaded machine, against the 30 s of the sleep.
    expect(Date.now() - started).toBeLessThan(10_000);
    // The session itself survives a cancel.
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await client.end();
  });

  it('can send the cancel inside TLS with the DB client certificate', async () => {
    const client = await h.connect();
    const sleeping = client.query('select pg_sleep(30)').catch((err: unknown) => err as { code?: string });
    const key = await runningKey('select pg_sleep(30)');
    await sendCancelRequest(key.database, key.pid, key.key, { tls: { credentials: h.pki.clientCert(DB_USER) } });
    expect(await sleeping).toMatchObject({ code: '57014' });
    await client.end();
  });

  it("routes psql's own cancel (Ctrl-C) through readStartup to the right backend", async () => {
    const conninfo = `host=127.0.0.1 port=${h.port} sslmode=require user=${DB_USER} dbname=${DB_NAME}`;
    const child = spawn('psql', ['-X', '-At', conninfo, '-c', 'select pg_sleep(30)'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await runningKey('select pg_sleep(30)');
      const started = Date.now();
      child.kill('SIGINT');
      const code = await exited;
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/canceling statement due to user request/);
      expect(h.cancels).toEqual([expect.objectContaining({ routed: true })]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('rejects when the database cannot be reached', async () => {
    const port = await freePort();
    await expect(sendCancelRequest({ name: 'demo', uri: `127.0.0.1:${port}`, caPem: '' }, 1, 2)).rejects.toThrow(
      `database demo at 127.0.0.1:${port} is unreachable: ECONNREFUSED`,
    );
  });
});

describe('limits', () => {
  async function openRawSession(): Promise<WireClient> {
    const wire = await WireClient.connect(h.port);
    wires.push(wire);
    wire.write(serialize.sslRequest());
    expect((await wire.read(1)).toString()).toBe('S');
    await wire.startTls();
    wire.write(serialize.startupMessage({ user: DB_USER, database: DB_NAME }));
    const messages = await wire.readUntil('Z');
    expect(messages[0]!.type).toBe('R');
    expect(messages.some((m) => m.type === 'K')).toBe(true);
    return wire;
  }

  it('answers a 100 MiB declared length with 08P01 and keeps other sessions working', async () => {
    const bystander = await h.connect();
    const wire = await openRawSession();
    // 'Q' declaring 100 MiB + 4, followed by the first few bytes of it
    wire.write(hex('51 06400004 73656c656374'));
    const reply = await wire.readMessage();
    expect(reply.type).toBe('E');
    const fields = errorFields(reply.body);
    expect(fields['C']).toBe(SqlState.ProtocolViolation);
    expect(fields['M']).toMatch(/declares 104857604 bytes, over the limit of 64 MiB/);
    await wire.closed();

    expect((await bystander.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
    const fresh = await h.psql('select 3');
    expect(fresh.stdout.trim()).toBe('3');
    await bystander.end();
    await h.idle();
    const violator = h.sessions[1]!;
    expect(violator.audits.map((a) => a.event)).toEqual(['db.session.start', 'db.session.end']);
    expect(JSON.stringify(h.logs)).toMatch(/over the limit of 64 MiB/);
  });

  it('relays a query sent one byte at a time', async () => {
    const wire = await openRawSession();
    for (const byte of serialize.query('select 42')) wire.write(Buffer.of(byte));
    const messages = await wire.readUntil('Z');
    expect(messages.map((m) => m.type)).toEqual(['T', 'D', 'C', 'Z']);
    wire.write(serialize.terminate());
    await wire.closed();
    await h.idle();
    expect(h.queryDrafts()).toEqual([{ event: 'db.session.query', db_query: 'select 42' }]);
  });
});
