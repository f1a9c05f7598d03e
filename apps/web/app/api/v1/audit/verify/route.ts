import { auditVerifyQuery } from '@postern/api';
import { route } from '../../../../../lib/route';

export const dynamic = 'force-dynamic';

/**
 * Checks the audit chain (docs/audit-chain.md): 200 with `intact` true or false and, when
 * broken, the first problem; 403 for a caller whose roles do not allow verify on audit.
 */
export const GET = route({ auth: 'caller', query: auditVerifyQuery }, async ({ service, caller, query }) => {
  return service.verifyAuditChain(caller, query);
});
