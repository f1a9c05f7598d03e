import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditBatcher, makeEvent, type AuditEvent } from '@postern/audit';
import { createLogger } from '@postern/log';
import { describe, expect, it } from 'vitest';
import { AuditSpool } from '../src/audit-spool';

const log = createLogger('test');

function query(i: number): AuditEvent {
  return makeEvent(
    'db.session.query',
    { user: 'alice', sid: 's1', db_service: 'demo', db_protocol: 'postgres', db_uri: 'x:1', db_name: 'app', db_user: 'alice', db_query: `select ${i}`, ei: i },
    'test',
  );
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('AuditSpool', () => {
  it('keeps events on disk while the Auth Service is down and delivers each once it is back, in order', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spool-'));
    const received: string[] = [];
    let up = false;
    const spool = new AuditSpool({
      dir,
      log,
      send: async (batch) => {
        if (!up) throw new Error('connection refused');
        expect(batch.events()).toHaveLength(batch.count);
        for (const e of batch.events()) received.push((e as { db_query: string }).db_query);
      },
    });
    const batcher = new AuditBatcher(spool.sink, { flushIntervalMs: 5 });
    for (let i = 0; i < 300; i++) batcher.emit(query(i));
    await batcher.flush();
    expect(received).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).length).toBeGreaterThan(0);
    up = true;
    await until(() => received.length === 300);
    expect(received).toEqual(Array.from({ length: 300 }, (_, i) => `select ${i}`));
    expect(await spool.drained(2_000)).toBe(true);
    await batcher.close();
    await spool.close();
  });

  it('sends what an earlier process left on disk', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spool-'));
    const first = new AuditSpool({ dir, log, send: async () => Promise.reject(new Error('down')) });
    await first.sink([query(1), query(2)]);
    await first.close();
    const got: AuditEvent[] = [];
    const second = new AuditSpool({ dir, log, send: async (batch) => void got.push(...batch.events()) });
    await until(() => got.length === 2);
    expect(got.map((e) => e.uid)).toHaveLength(2);
    await second.close();
  });

  it('refuses new events when the spool is over its size, so sessions are refused rather than run unaudited', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spool-'));
    const spool = new AuditSpool({ dir, log, maxBytes: 1_000, send: async () => Promise.reject(new Error('down')) });
    await spool.sink([query(1), query(2), query(3)]);
    await expect(spool.sink([query(4)])).rejects.toThrow(/over its limit/);
    const batcher = new AuditBatcher(spool.sink, { maxBuffered: 10, flushIntervalMs: 5, retryBaseMs: 5 });
    expect(() => {
      for (let i = 0; i < 50; i++) batcher.emit(query(i));
    }).toThrow(/backpressure|buffer|audit/i);
    await batcher.close({ timeoutMs: 100 }).catch(() => undefined);
    await spool.close();
  });
  it('keeps the order of batches written at the same time, and splits what one request may carry', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spool-'));
    const requests: number[] = [];
    const received: number[] = [];
    let up = false;
    const spool = new AuditSpool({
      dir,
      log,
      send: async (batch) => {
        if (!up) throw new Error('down');
        requests.push(batch.count);
        for (const e of batch.events()) received.push(e.ei);
      },
    });
    const batches = Array.from({ length: 6 }, (_, b) => Array.from({ length: 1_000 }, (_, i) => query(b * 1_000 + i)));
    await Promise.all(batches.map((events) => spool.sink(events)));
    up = true;
    await until(() => received.length === 6_000);
    expect(received).toEqual(Array.from({ length: 6_000 }, (_, i) => i));
    expect(Math.max(...requests)).toBeLessThanOrEqual(4_000);
    expect(await spool.drained(2_000)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    await spool.close();
  });

  it('delivers a damaged file left on disk without its bad line, rather than hold back everything behind it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spool-'));
    writeFileSync(path.join(dir, '000000000000001-1-00000000.jsonl'), `${JSON.stringify(query(1))}\n{"torn\n${JSON.stringify(query(2))}\n`);
    writeFileSync(path.join(dir, '000000000000002-1-00000000.jsonl'), `${JSON.stringify(query(3))}\n`);
    const got: AuditEvent[] = [];
    const spool = new AuditSpool({ dir, log, send: async (batch) => void got.push(...batch.events()) });
    await until(() => got.length === 3);
    expect(got.map((e) => e.ei)).toEqual([1, 2, 3]);
    expect(await spool.drained(2_000)).toBe(true);
    await spool.close();
  });
  it('sends a busy stream of batches in few requests, and everything once someone waits for it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'spool-'));
    const requests: number[] = [];
    const spool = new AuditSpool({ dir, log, minDeliveryIntervalMs: 60_000, send: async (batch) => void requests.push(batch.count) });
    await spool.sink([query(0)]);
    await until(() => requests.length === 1);
    for (let i = 1; i <= 10; i++) await spool.sink([query(i)]);
    await new Promise((r) => setTimeout(r, 200));
    // Within the interval: nothing more went out.
    expect(requests).toEqual([1]);
    expect(await spool.drained(2_000)).toBe(true);
    expect(requests).toEqual([1, 10]);
    await spool.close();
  });
});
