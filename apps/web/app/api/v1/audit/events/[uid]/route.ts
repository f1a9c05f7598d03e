import { route } from '../../../../../../lib/route';

export const dynamic = 'force-dynamic';
export const GET = route({ auth: 'caller' }, ({ service, caller, params }) => service.getAuditEvent(caller, params.uid ?? ''));
