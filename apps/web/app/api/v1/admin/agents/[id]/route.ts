import { route } from '../../../../../../lib/route';

/** Forgets an offline agent and the databases it registered; an online one is refused (409). */
export const DELETE = route({ auth: 'caller' }, ({ service, caller, params }) => service.removeAgent(caller, params.id ?? ''));
