import { route } from '../../../../../lib/route';

export const dynamic = 'force-dynamic';

/** GET /api/v1/admin/connectors: postern.yaml's connectors and the stored ones, never a client_secret. */
export const GET = route({ auth: 'caller' }, async ({ service, caller }) => ({ connectors: await service.listConnectors(caller) }));
