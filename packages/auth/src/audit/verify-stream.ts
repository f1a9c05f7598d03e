import { randomUUID } from 'node:crypto';
import type { AuditVerifyProgress, AuditVerifyQuery, AuditVerifyStreamLine } from '@postern/api';
import type { Store } from '@postern/store';
import type { AuthContext } from '../context';
import { isAuthError } from '../errors';
import { verifyAuditChain, type VerifyProgress } from './verify-chain';

// The streamed form of GET /audit/verify (?progress=1, docs/audit-chain.md): the same check
// as verifyAuditChain, answered as JSON lines, so that a person verifying millions of events
// sees how far it got instead of minutes of silence.

export interface VerifyStreamOptions {
  /** Least time between two progress lines: the check reports after every chunk, which may be often. */
  intervalMs?: number;
  /** Longest time without a line: the last progress again, so that the client and anything in between see the answer alive while one chunk takes long. */
  keepaliveMs?: number;
  now?: () => number;
  /** Events per query, passed to the check (tests make it small to get many chunks). */
  chunkEvents?: number;
}

type VerifyStreamContext = Pick<AuthContext, 'store' | 'audit' | 'log'>;

/** Read once before the check starts: one pass over audit_chain (a row per batch), not over the events. */
async function chainTotals(store: Store): Promise<{ batches: number; events: number }> {
  const [row] = await store.prisma.$queryRawUnsafe<{ batches: number; events: string }[]>(
    'select count(*)::int as batches, coalesce(sum(events), 0)::text as events from audit_chain',
  );
  return { batches: row?.batches ?? 0, events: Number(row?.events ?? 0) };
}

/** What the client reads when the check fails midway: the headers said 200 already, so this line says it failed. */
function errorLine(ctx: VerifyStreamContext, err: unknown, done: VerifyProgress): AuditVerifyStreamLine {
  if (isAuthError(err)) return { error: { code: err.code, message: err.message } };
  const e = err as { name?: string; code?: unknown; message?: string };
  if (e?.name === 'StoreError') {
    ctx.log.warn({ err, ...done }, 'audit chain verification stopped: the store failed');
    return { error: { code: typeof e.code === 'string' ? e.code : 'store_error', message: `the store is unavailable: ${e.message}` } };
  }
  const id = randomUUID();
  ctx.log.error({ err, id, ...done }, 'audit chain verification failed midway');
  return {
    error: {
      code: 'internal',
      message: `the audit chain check failed after ${done.events} events in ${done.batches} batches, before it could finish (error ${id}; the server log has the details). Nothing was found broken up to there; run the check again.`,
    },
  };
}

/**
 * Checks the audit chain, answering JSON lines: `{"progress":…}` at once (with the totals) and
 * then at most every `intervalMs`, then one `{"result":…}` (what verifyAuditChain answers) or
 * one `{"error":…}`. The store is read once before the stream exists, so a store that is down
 * is an error of the request itself (503), not of a stream already answered 200. Cancelling
 * the stream (the client went away) stops the check at its next chunk.
 */
export async function verifyAuditChainStream(
  ctx: VerifyStreamContext,
  q: AuditVerifyQuery,
  opts: VerifyStreamOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const intervalMs = opts.intervalMs ?? 500;
  const keepaliveMs = opts.keepaliveMs ?? 10_000;
  const now = opts.now ?? Date.now;
  // The check flushes too; here first, so that the totals include the events still in the batcher.
  await ctx.audit.flush();
  const totals = await chainTotals(ctx.store);
  const abort = new AbortController();
  const encoder = new TextEncoder();

  return new ReadableStream<Uint8Array>({
    start(controller) {
      let done: VerifyProgress = { events: 0, batches: 0 };
      let sentAt = 0;
      let keepalive: NodeJS.Timeout | undefined;
      // Nothing may be enqueued once the client cancelled: the stream is closed then.
      const send = (line: AuditVerifyStreamLine) => {
        if (!abort.signal.aborted) controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
      };
      const sendProgress = () => {
        const progress: AuditVerifyProgress = { ...done, total_batches: totals.batches, total_events: totals.events };
        send({ progress });
        sentAt = now();
        clearTimeout(keepalive);
        keepalive = setTimeout(sendProgress, keepaliveMs);
        keepalive.unref();
      };
      sendProgress();
      verifyAuditChain(ctx, {
        ...q,
        ...(opts.chunkEvents ? { chunkEvents: opts.chunkEvents } : {}),
        signal: abort.signal,
        onProgress: (p) => {
          done = p;
          if (now() - sentAt >= intervalMs) sendProgress();
        },
      })
        .then(
          (result) => send({ result }),
          (err: unknown) => {
            if (!abort.signal.aborted) send(errorLine(ctx, err, done));
          },
        )
        .finally(() => {
          clearTimeout(keepalive);
          // A cancelled stream is closed already; closing it again would throw.
          if (!abort.signal.aborted) controller.close();
        })
        .catch((err: unknown) => ctx.log.error({ err }, 'audit chain verification stream failed'));
    },
    cancel() {
      abort.abort(new Error('the client stopped reading the audit chain verification'));
    },
  });
}
