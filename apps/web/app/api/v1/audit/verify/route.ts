import { auditVerifyRouteQuery } from '@postern/api';
import { route } from '../../../../../lib/route';

export const dynamic = 'force-dynamic';

/**
 * Checks the audit chain (docs/audit-chain.md): 200 with `intact` true or false and, when
 * broken, the first problem; 403 for a caller whose roles do not allow verify on audit.
 * With ?progress=1 the same answer comes as JSON lines: progress while it runs, then
 * `{"result": …}` (or `{"error": …}` if the check fails midway, as the 200 is sent by then).
 * Bad input and refusals are plain HTTP errors either way: they happen before the stream.
 */
export const GET = route({ auth: 'caller', query: auditVerifyRouteQuery }, async ({ service, caller, query }) => {
  const { progress, ...q } = query;
  if (!progress) return service.verifyAuditChain(caller, q);
  const body = await service.verifyAuditChainStream(caller, q);
  return new Response(body, { headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' } });
});
