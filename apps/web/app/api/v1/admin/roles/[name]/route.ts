import { route } from '../../../../../../lib/route';

export const dynamic = 'force-dynamic';
export const GET = route({ auth: 'caller' }, ({ service, caller, params }) => service.getRole(caller, params.name ?? ''));
export const DELETE = route({ auth: 'caller' }, ({ service, caller, params }) => service.removeRole(caller, params.name ?? ''));
