import { joinRequest } from '@postern/api';
import { route } from '../../../../lib/route';

export const POST = route({ auth: 'none', body: joinRequest }, ({ service, body, addr }) => service.join(body, addr));
