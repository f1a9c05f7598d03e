import { dbSignRequest } from '@postern/api';
import { route } from '../../../../../../lib/route';

export const POST = route({ auth: 'caller', body: dbSignRequest }, ({ service, caller, body }) => service.signDbServer(caller, body));
