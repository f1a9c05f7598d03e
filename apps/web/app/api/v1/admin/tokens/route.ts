import { addTokenRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

export const POST = route({ auth: 'caller', body: addTokenRequest, status: 201 }, ({ service, caller, body }) =>
  service.createJoinToken(caller, body),
);
