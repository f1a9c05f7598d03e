import { route } from '../../../../../lib/route';

export const dynamic = 'force-dynamic';
export const GET = route({ auth: 'caller' }, async ({ service, caller }) => ({ agents: await service.listAgents(caller) }));
