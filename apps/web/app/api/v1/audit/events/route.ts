import { auditEventsRequest, auditSearchQuery } from '@postern/api';
import { route } from '../../../../../lib/route';

export const dynamic = 'force-dynamic';
export const GET = route({ auth: 'caller', query: auditSearchQuery }, ({ service, caller, query }) => service.searchAuditEvents(caller, query));
export const POST = route({ auth: 'caller', body: auditEventsRequest, maxBytes: 8 * 1024 * 1024 }, ({ service, caller, body }) =>
  service.receiveAuditEvents(caller, body.events),
);
