import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '@postern/audit';
import { listMigrations, openStore, type Store } from '@postern/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeAuditSink } from '../src/audit/record';
import { verifyAuditChain } from '../src/audit/verify-chain';
import { auditBackends, type AuditStore } from './support/audit-store';
import { queryEvents, T0 } from './support/chain-events';

// The audit chain on PGlite and PostgreSQL: what the sink writes is recomputed here in
// Node from the stored rows (so the SQL matches the documented formula), verification finds
// each kind of tampering a store superuser could do, at the batch where it happened, and
// replicas writing at once keep one chain.

interface Link {
  seq: string;
  first_id: string;
  last_id: string;
  events: number;
  digest: string;
  prev_hash: string;
  hash: string;
}

const links = (store: Store) =>
  store.prisma.$queryRawUnsafe<Link[]>(
    'select seq::text, first_id::text, last_id::text, events, digest, prev_hash, hash from audit_chain c order by c.seq',
  );

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The chain as docs/audit-chain.md defines it, computed in Node from the stored rows. */
async function recompute(store: Store): Promise<{ digest: string; hash: string }[]> {
  const rows = await store.prisma.$queryRawUnsafe<{ id: string; text: string }[]>('select id::text, data::text as text from audit_events e order by e.id');
  let prev = '0'.repeat(64);
  return (await links(store)).map((l) => {
    const inRange = rows.filter((r) => BigInt(r.id) >= BigInt(l.first_id) && BigInt(r.id) <= BigInt(l.last_id));
    const digest = sha256(inRange.map((r) => `${r.id} ${r.text}`).join('\n'));
    const hash = sha256(`${prev} ${digest} ${l.first_id} ${l.last_id} ${l.events}`);
    prev = hash;
    return { digest, hash };
  });
}

/** What a superuser of the store can do: switch the append-only triggers off, change rows. */
async function asSuperuser(store: Store, sql: string, ...params: unknown[]): Promise<void> {
  await store.prisma.$transaction([
    store.prisma.$executeRawUnsafe('alter table audit_events disable trigger audit_events_append_only'),
    store.prisma.$executeRawUnsafe('alter table audit_chain disable trigger audit_chain_append_only'),
    store.prisma.$executeRawUnsafe(sql, ...params),
    store.prisma.$executeRawUnsafe('alter table audit_events enable trigger audit_events_append_only'),
    store.prisma.$executeRawUnsafe('alter table audit_chain enable trigger audit_chain_append_only'),
  ]);
}

describe.each(auditBackends)('audit chain on $name', (backend) => {
  let s: AuditStore;
  let sink: (events: AuditEvent[]) => Promise<void>;
  const batches = [queryEvents(7, 0), queryEvents(1, 60_000), queryEvents(12, 120_000), queryEvents(5, 180_000)];
  const total = batches.reduce((n, b) => n + b.length, 0);

  beforeAll(async () => {
    s = await backend.open();
    sink = storeAuditSink(s.store);
    for (const b of batches) await sink(b);
  });
  afterAll(() => s?.cleanup());

  const verify = (opts: Parameters<typeof verifyAuditChain>[1] = {}) => verifyAuditChain(s.reader, opts);

  it('writes one link per stored batch, as the documented formula computes it', async () => {
    const chain = await links(s.store);
    expect(chain.map((l) => l.events)).toEqual(batches.map((b) => b.length));
    expect(chain[0]!.prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < chain.length; i++) {
      expect(chain[i]!.prev_hash).toBe(chain[i - 1]!.hash);
      expect(BigInt(chain[i]!.first_id)).toBeGreaterThan(BigInt(chain[i - 1]!.last_id));
    }
    expect(await recompute(s.store)).toEqual(chain.map((l) => ({ digest: l.digest, hash: l.hash })));
  });

  it('verifies an untouched log as intact, with counts, times and the head hash', async () => {
    const chain = await links(s.store);
    const progress: number[] = [];
    // Chunks of a few events: links are checked across chunk boundaries too.
    const res = await verify({ chunkEvents: 6, onProgress: (p) => progress.push(p.batches) });
    expect(res).toMatchObject({
      intact: true,
      events: total,
      batches: batches.length,
      first_event_time: new Date(T0).toISOString(),
      last_event_time: new Date(T0 + 180_000 + 4_000).toISOString(),
      head: { seq: Number(chain.at(-1)!.seq), hash: chain.at(-1)!.hash, last_id: chain.at(-1)!.last_id },
    });
    expect(res.problem).toBeUndefined();
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toBe(batches.length);
  });

  it('adds no link for a retried batch, and links only what a partly retried batch adds', async () => {
    const before = await links(s.store);
    await sink(batches[1]!);
    expect(await links(s.store)).toEqual(before);

    const extra = queryEvents(3, 240_000);
    await sink([...batches[3]!, ...extra]);
    const after = await links(s.store);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)!.events).toBe(3);
    expect(after.at(-1)!.prev_hash).toBe(before.at(-1)!.hash);
    batches.push(extra);
    expect(await verify()).toMatchObject({ intact: true, events: total + 3, batches: batches.length });
  });

  it('finds a changed event, in its batch; restored, the log is intact again', async () => {
    const third = (await links(s.store))[2]!;
    const victim = await s.store.prisma.$queryRawUnsafe<{ id: string; data: string }[]>(
      'select id::text, data::text from audit_events where id = $1::bigint + 4',
      third.first_id,
    );
    expect(victim).toHaveLength(1);
    await asSuperuser(s.store, `update audit_events set data = jsonb_set(data, '{db_query}', '"select 1"') where id = $1::bigint`, victim[0]!.id);

    const res = await verify();
    expect(res.intact).toBe(false);
    expect(res.problem).toMatchObject({
      kind: 'event_changed',
      seq: Number(third.seq),
      first_id: third.first_id,
      last_id: third.last_id,
      events_stored: 12,
      events_found: 12,
      first_time: new Date(T0 + 120_000).toISOString(),
      last_time: new Date(T0 + 120_000 + 11_000).toISOString(),
    });
    expect(res.problem!.message).toMatch(new RegExp(`an event of batch ${third.seq} \\(event ids ${third.first_id}–${third.last_id}, 12 events`));
    // What was checked before the problem: the two batches before it.
    expect(res).toMatchObject({ events: 8, batches: 2 });

    await asSuperuser(s.store, 'update audit_events set data = $2::jsonb where id = $1::bigint', victim[0]!.id, victim[0]!.data);
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('finds a deleted event, in its batch', async () => {
    const second = (await links(s.store))[1]!;
    const row = await s.store.prisma.$queryRawUnsafe<{ uid: string; data: string; t: string }[]>(
      'select uid::text, data::text, time::text as t from audit_events where id = $1::bigint',
      second.first_id,
    );
    await asSuperuser(s.store, 'delete from audit_events where id = $1::bigint', second.first_id);

    const res = await verify();
    expect(res).toMatchObject({ intact: false, problem: { kind: 'event_deleted', seq: Number(second.seq), events_stored: 1, events_found: 0 } });
    expect(res.problem!.message).toMatch(/1 event\(s\) of batch \d+ .* were deleted: 0 remain/);

    // Put back with the same id and contents: nothing to tell it from the original.
    const r = row[0]!;
    await asSuperuser(
      s.store,
      `insert into audit_events (id, uid, event, code, time, "user", sid, ei, db_service, data)
       select $1::bigint, $2::uuid, d->>'event', d->>'code', $3::timestamptz, d->>'user', d->>'sid', (d->>'ei')::int, d->>'db_service', d
         from (select $4::jsonb as d) x`,
      second.first_id,
      r.uid,
      r.t,
      r.data,
    );
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('finds an event added outside the chain, by id and time', async () => {
    const uid = randomUUID();
    const data = JSON.stringify({ ...queryEvents(1, 999_000)[0]!, uid });
    const insert = (id: string) =>
      asSuperuser(
        s.store,
        `insert into audit_events (id, uid, event, code, time, data) values ($1::bigint, $2::uuid, 'db.session.query', 'TDB02I', $3::timestamptz, $4::jsonb)`,
        id,
        uid,
        new Date(T0 + 999_000).toISOString(),
        data,
      );

    // Far beyond every batch.
    await insert('1000000000000');
    let res = await verify();
    expect(res.intact).toBe(false);
    expect(res.problem).toMatchObject({ kind: 'event_added', event_id: '1000000000000', event_uid: uid, event_time: new Date(T0 + 999_000).toISOString() });
    expect(res.problem!.seq).toBeUndefined();
    expect(res.problem!.message).toMatch(/added outside the audit chain after the last batch/);
    await asSuperuser(s.store, 'delete from audit_events where id = 1000000000000');
    expect(await verify()).toMatchObject({ intact: true });

    // Before the first batch: named by the batch it precedes.
    const first = (await links(s.store))[0]!;
    await insert('-5');
    res = await verify({ chunkEvents: 1 });
    expect(res.problem).toMatchObject({ kind: 'event_added', event_id: '-5', seq: Number(first.seq) });
    await asSuperuser(s.store, 'delete from audit_events where id = -5');

    // Inside a batch's range (ids a retried batch skipped leave room for one).
    const chain = await links(s.store);
    const last = chain.at(-1)!;
    const used = await s.store.prisma.$queryRawUnsafe<{ id: string }[]>('select id::text from audit_events where id between $1::bigint and $2::bigint', last.first_id, last.last_id);
    const ids = new Set(used.map((u) => u.id));
    let hole: bigint | undefined;
    for (let i = BigInt(last.first_id); i <= BigInt(last.last_id); i++) if (!ids.has(String(i))) hole = i;
    if (hole !== undefined) {
      await insert(String(hole));
      res = await verify();
      expect(res.problem).toMatchObject({ kind: 'event_added', seq: Number(last.seq), events_stored: 3, events_found: 4 });
      await asSuperuser(s.store, 'delete from audit_events where id = $1::bigint', String(hole));
    }
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('finds a changed or removed chain entry', async () => {
    const chain = await links(s.store);
    const second = chain[1]!;
    await asSuperuser(s.store, `update audit_chain set events = events + 1 where seq = $1::bigint`, second.seq);
    expect((await verify()).problem).toMatchObject({ kind: 'link_changed', seq: Number(second.seq) });
    await asSuperuser(s.store, `update audit_chain set events = events - 1 where seq = $1::bigint`, second.seq);
    expect(await verify()).toMatchObject({ intact: true });

    // Removing a batch with its events and its entry breaks the link of the next one.
    await asSuperuser(s.store, 'delete from audit_chain where seq = $1::bigint', second.seq);
    const res = await verify();
    expect(res.problem).toMatchObject({ kind: 'link_broken', seq: Number(chain[2]!.seq) });
    await asSuperuser(
      s.store,
      'insert into audit_chain (seq, first_id, last_id, events, digest, prev_hash, hash) values ($1::bigint, $2::bigint, $3::bigint, $4, $5, $6, $7)',
      second.seq,
      second.first_id,
      second.last_id,
      second.events,
      second.digest,
      second.prev_hash,
      second.hash,
    );
    expect(await verify()).toMatchObject({ intact: true });
  });

  it('checks an anchor written down earlier', async () => {
    const chain = await links(s.store);
    const anchor = chain[2]!.hash;
    await sink(queryEvents(2, 300_000));
    expect(await verify({ anchor })).toMatchObject({ intact: true, anchor: { hash: anchor, found: true, seq: Number(chain[2]!.seq) } });
    const other = sha256('not in this chain');
    const res = await verify({ anchor: other });
    expect(res).toMatchObject({ intact: false, anchor: { hash: other, found: false }, problem: { kind: 'anchor_missing' } });
  });

  it('refuses updates and deletes of chain entries', async () => {
    await expect(s.store.prisma.$executeRawUnsafe('update audit_chain set events = 0')).rejects.toThrow(/audit_chain is append-only: UPDATE/);
    await expect(s.store.prisma.$executeRawUnsafe('delete from audit_chain')).rejects.toThrow(/audit_chain is append-only: DELETE/);
    await expect(s.store.prisma.$executeRawUnsafe('truncate audit_chain')).rejects.toThrow(/audit_chain is append-only: TRUNCATE/);
  });

  // Replicas exist only on a shared PostgreSQL (PGlite admits one process), so only there.
  if (backend.name === 'postgres') it('keeps one chain while replicas write at once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postern-replica-'));
    const replica = await openStore({ url: s.url!, dataDir });
    try {
      const before = (await links(s.store)).length;
      const sinks = [storeAuditSink(s.store), storeAuditSink(replica), storeAuditSink(s.store), storeAuditSink(replica)];
      await Promise.all(sinks.map(async (write, w) => {
        for (let i = 0; i < 15; i++) await write(queryEvents(1 + ((i * 7 + w) % 20), w * 10_000_000 + i * 100_000));
      }));
      const chain = await links(s.store);
      expect(chain.length).toBe(before + 60);
      // No fork: every entry links to the one before it, none shares a predecessor.
      expect(new Set(chain.map((l) => l.prev_hash)).size).toBe(chain.length);
      const res = await verify();
      expect(res).toMatchObject({ intact: true, batches: chain.length });
      expect(await recompute(s.store)).toEqual(chain.map((l) => ({ digest: l.digest, hash: l.hash })));
    } finally {
      await replica.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('0004_audit_chain on a store that already has events', () => {
  it('chains them in a genesis of 10,000-event links that verifies, and chains what comes after', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postern-genesis-'));
    try {
      const before = join(dataDir, 'migrations-before');
      for (const m of (await listMigrations()).filter((x) => x.name < '0004_audit_chain')) {
        await mkdir(join(before, m.name), { recursive: true });
        await writeFile(join(before, m.name, 'migration.sql'), m.sql);
      }
      const old = await openStore({ dataDir, migrationsDir: before });
      try {
        await old.prisma.$executeRawUnsafe(
          `insert into audit_events (uid, event, code, time, "user", data)
           select gen_random_uuid(), 'user.login', 'T1000I', $1::timestamptz + i * interval '1 second', 'u' || (i % 7),
                  jsonb_build_object('event', 'user.login', 'n', i, 'user', 'u' || (i % 7), 'text', 'ü' || repeat('x', i % 13))
             from generate_series(0, 24999) as i`,
          new Date(T0).toISOString(),
        );
      } finally {
        await old.close();
      }

      const upgraded = await openStore({ dataDir });
      try {
        // 0004 and whatever came after it; 0004 is the one this is about.
        expect(upgraded.migrationsApplied[0]).toBe('0004_audit_chain');
        expect(upgraded.migrationsApplied).toEqual((await listMigrations()).map((m) => m.name).filter((n) => n >= '0004_audit_chain'));
        const chain = await links(upgraded);
        expect(chain.map((l) => l.events)).toEqual([10_000, 10_000, 5_000]);
        expect(await recompute(upgraded)).toEqual(chain.map((l) => ({ digest: l.digest, hash: l.hash })));

        const reader = { store: upgraded, audit: { flush: async () => {} } } as unknown as Parameters<typeof verifyAuditChain>[0];
        await storeAuditSink(upgraded)(queryEvents(4, 0));
        const res = await verifyAuditChain(reader, { chunkEvents: 15_000 });
        expect(res).toMatchObject({ intact: true, events: 25_004, batches: 4, first_event_time: new Date(T0).toISOString() });
        expect((await links(upgraded)).at(-1)!.prev_hash).toBe(chain.at(-1)!.hash);
      } finally {
        await upgraded.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
