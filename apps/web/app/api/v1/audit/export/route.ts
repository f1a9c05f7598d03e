import { auditSearchQuery } from '@postern/api';
import { route } from '../../../../../lib/route';

export const dynamic = 'force-dynamic';

/** The current filter as JSON lines, streamed page by page (an export never sits in memory whole). */
export const GET = route({ auth: 'caller', query: auditSearchQuery }, async ({ service, caller, query }) => {
  const events = service.exportAuditEvents(caller, query);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await events.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
    },
    async cancel() {
      await events.return(undefined);
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
