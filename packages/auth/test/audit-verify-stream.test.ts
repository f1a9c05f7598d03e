import { auditVerifyStreamLine, type AuditVerifyStreamLine } from '@postern/api';
import type { Logger } from '@postern/log';
import { StoreError } from '@postern/store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { storeAuditSink } from '../src/audit/record';
import { verifyAuditChain } from '../src/audit/verify-chain';
import { verifyAuditChainStream } from '../src/audit/verify-stream';
import { auditBackends, type AuditStore } from './support/audit-store';
import { queryEvents } from './support/chain-events';

// The streamed form of the audit chain check (GET /audit/verify?progress=1): progress lines
// that only grow, then the very answer of the plain check; a check that fails midway ends
// in an error line, never in a stream that merely stops. On PGlite: the SQL of the check is
// covered on both backends by audit-chain.test.ts; this is about the stream around it.

async function readLines(stream: ReadableStream<Uint8Array>): Promise<AuditVerifyStreamLine[]> {
  const text = await new Response(stream).text();
  // Every line is whole, the last one too.
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => auditVerifyStreamLine.parse(JSON.parse(l)));
}

const progressOf = (lines: AuditVerifyStreamLine[]) => lines.flatMap((l) => ('progress' in l ? [l.progress] : []));

function fakeLog() {
  const log = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
  return { log, logger: log as unknown as Logger };
}

const pglite = auditBackends.find((b) => b.name === 'pglite')!;

describe('audit chain verification as a stream', () => {
  let s: AuditStore;
  const sizes = [7, 1, 12, 5, 3, 9];
  const total = sizes.reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    s = await pglite.open();
    const sink = storeAuditSink(s.store);
    let offset = 0;
    for (const n of sizes) {
      await sink(queryEvents(n, offset));
      offset += 60_000;
    }
  });
  afterAll(() => s?.cleanup());

  const ctx = () => ({ ...s.reader, log: fakeLog().logger });

  it('reports growing progress with the totals, then the answer of the plain check', async () => {
    const plain = await verifyAuditChain(s.reader);
    expect(plain.intact).toBe(true);
    // One link per chunk, and a line for every chunk.
    const lines = await readLines(await verifyAuditChainStream(ctx(), {}, { chunkEvents: 1, intervalMs: 0 }));

    const last = lines.at(-1)!;
    expect(last).toEqual({ result: plain });
    expect(lines.slice(0, -1).every((l) => 'progress' in l)).toBe(true);

    const progress = progressOf(lines);
    expect(progress[0]).toEqual({ batches: 0, events: 0, total_batches: sizes.length, total_events: total });
    expect(progress.length).toBeGreaterThan(sizes.length);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.batches).toBeGreaterThanOrEqual(progress[i - 1]!.batches);
      expect(progress[i]!.events).toBeGreaterThanOrEqual(progress[i - 1]!.events);
    }
    // Strictly growing from line to line while batches are checked.
    expect(progress.slice(0, sizes.length + 1).map((p) => p.batches)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(progress.at(-1)).toMatchObject({ batches: sizes.length, events: total });
  });

  it('answers a broken result (here: a missing anchor) just as the plain check does', async () => {
    const anchor = 'ab'.repeat(32);
    const plain = await verifyAuditChain(s.reader, { anchor });
    expect(plain.problem?.kind).toBe('anchor_missing');
    const lines = await readLines(await verifyAuditChainStream(ctx(), { anchor }));
    expect(lines.at(-1)).toEqual({ result: plain });
  });

  it('sends progress no more often than the interval', async () => {
    // A clock that never moves: after the first line, the interval is never over.
    const lines = await readLines(await verifyAuditChainStream(ctx(), {}, { chunkEvents: 1, intervalMs: 500, now: () => 1_000 }));
    expect(lines).toHaveLength(2);
    expect(progressOf(lines)).toEqual([{ batches: 0, events: 0, total_batches: sizes.length, total_events: total }]);
    expect('result' in lines[1]!).toBe(true);
  });

  it('repeats the last progress while one chunk takes long, so the answer stays alive', async () => {
    const real = s.store.prisma.$queryRawUnsafe.bind(s.store.prisma);
    const slow = {
      ...ctx(),
      store: {
        ...s.store,
        prisma: {
          $queryRawUnsafe: async (...args: Parameters<typeof real>) => {
            const rows = await real(...args);
            await new Promise((r) => setTimeout(r, 120));
            return rows;
          },
        },
      },
    } as unknown as Parameters<typeof verifyAuditChainStream>[0];
    const lines = await readLines(await verifyAuditChainStream(slow, {}, { intervalMs: 60_000, keepaliveMs: 25 }));
    const progress = progressOf(lines);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.filter((p) => p.batches === 0).length).toBeGreaterThan(1);
    expect(lines.at(-1)).toMatchObject({ result: { intact: true, events: total } });
  });

  /** The store's queries as the check runs them, the `failAt`-th (from 1) throwing `err`. */
  function failingAt(failAt: number, err: Error) {
    const real = s.store.prisma.$queryRawUnsafe.bind(s.store.prisma);
    let calls = 0;
    const { log, logger } = fakeLog();
    const reader = {
      audit: s.audit,
      log: logger,
      store: {
        ...s.store,
        prisma: {
          $queryRawUnsafe: (...args: Parameters<typeof real>) => {
            calls += 1;
            if (calls === failAt) return Promise.reject(err);
            return real(...args);
          },
        },
      },
    } as unknown as Parameters<typeof verifyAuditChainStream>[0];
    return { reader, log, calls: () => calls };
  }

  it('ends in an error line when the check throws after the stream started, never in a result', async () => {
    // Query 1 reads the totals, before the stream; 2 and 3 are chunks; 4 throws.
    const { reader, log } = failingAt(4, new Error('connection terminated unexpectedly'));
    const lines = await readLines(await verifyAuditChainStream(reader, {}, { chunkEvents: 1, intervalMs: 0 }));
    expect(lines.some((l) => 'result' in l)).toBe(false);
    expect(progressOf(lines).at(-1)).toMatchObject({ batches: 2 });
    const last = lines.at(-1)!;
    expect(last).toEqual({
      error: {
        code: 'internal',
        message: expect.stringMatching(/^the audit chain check failed after 8 events in 2 batches, before it could finish \(error [0-9a-f-]{36}; the server log has the details\)/),
      },
    });
    // The person gets an id; the server log has the error under the same id.
    const id = /error ([0-9a-f-]{36})/.exec((last as { error: { message: string } }).error.message)![1];
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ id, batches: 2, events: 8 }), 'audit chain verification failed midway');
  });

  it('says the store is unavailable when it failed midway', async () => {
    const { reader } = failingAt(3, new StoreError('store_unreachable', 'PostgreSQL at db:5432 refused the connection'));
    const lines = await readLines(await verifyAuditChainStream(reader, {}, { chunkEvents: 1, intervalMs: 0 }));
    expect(lines.at(-1)).toEqual({
      error: { code: 'store_unreachable', message: 'the store is unavailable: PostgreSQL at db:5432 refused the connection' },
    });
  });

  it('fails before any stream when the store cannot even give the totals', async () => {
    const { reader } = failingAt(1, new StoreError('store_unreachable', 'down'));
    await expect(verifyAuditChainStream(reader, {})).rejects.toThrow('down');
  });

  it('stops checking when the client stops reading', async () => {
    const { reader, calls } = failingAt(-1, new Error('unused'));
    const stream = await verifyAuditChainStream(reader, {}, { chunkEvents: 1, intervalMs: 0 });
    const r = stream.getReader();
    const first = await r.read();
    expect(first.done).toBe(false);
    await r.cancel();
    await new Promise((res) => setTimeout(res, 300));
    const after = calls();
    await new Promise((res) => setTimeout(res, 300));
    // No query after the one under way when it was cancelled; a full check would run 8.
    expect(calls()).toBe(after);
    expect(after).toBeLessThan(sizes.length + 2);
  });
});
