import { localLoginRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

export const POST = route({ auth: 'none', body: localLoginRequest }, ({ service, body, addr }) => service.localLogin(body, addr));
