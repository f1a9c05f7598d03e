import { auditExportQuery } from '@postern/api';
import { route } from '../../../../../lib/route';

export const dynamic = 'force-dynamic';

/**
 * Every event of the filter as JSON lines, streamed a page at a time: an export never sits
 * in memory whole, and a client that stops reading stops the queries (pull, not push).
 */
export const GET = route({ auth: 'caller', query: auditExportQuery }, async ({ service, caller, query }) => {
  const pages = service.exportAuditEvents(caller, query);
  // The first page before the answer: a store that fails now is an HTTP error, not a cut-off 200.
  const first = await pages.next();
  const encoder = new TextEncoder();
  const lines = (events: Record<string, unknown>[]) => encoder.encode(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) controller.close();
      else controller.enqueue(lines(first.value));
    },
    async pull(controller) {
      try {
        const next = await pages.next();
        if (next.done) controller.close();
        else controller.enqueue(lines(next.value));
      } catch (err) {
        // Headers are gone: all that is left is to cut the stream, which clients see as an
        // incomplete response, and to say why in the server log.
        console.error(JSON.stringify({ level: 'error', component: 'web', msg: 'audit export failed mid-stream', err: String((err as Error)?.stack ?? err) }));
        controller.error(err);
      }
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return new Response(body, {
    headers: {
      'content-type': 'application/x-ndjson',
      'content-disposition': `attachment; filename="postern-audit-${stamp}.jsonl"`,
      'cache-control': 'no-store',
    },
  });
});
