import { route } from '../../../../../../lib/route';

export const DELETE = route({ auth: 'caller' }, ({ service, caller, params }) => service.removeUser(caller, params.name ?? ''));
