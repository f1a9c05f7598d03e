import { route } from '../../../../lib/route';

export const POST = route({ auth: 'caller' }, ({ service, caller }) => service.logout(caller));
