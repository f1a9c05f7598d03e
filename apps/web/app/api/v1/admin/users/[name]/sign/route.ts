import { signUserRequest } from '@postern/api';
import { route } from '../../../../../../../lib/route';

export const POST = route({ auth: 'caller', body: signUserRequest }, ({ service, caller, params, body }) =>
  service.signBotUser(caller, params.name ?? '', body),
);
