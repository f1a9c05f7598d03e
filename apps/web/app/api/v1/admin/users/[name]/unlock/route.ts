import { route } from '../../../../../../../lib/route';

export const POST = route({ auth: 'caller' }, ({ service, caller, params }) => service.setUserLocked(caller, params.name ?? '', false));
