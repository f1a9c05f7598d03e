import { addUserRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

export const dynamic = 'force-dynamic';
export const GET = route({ auth: 'caller' }, async ({ service, caller }) => ({ users: await service.listUsers(caller) }));
export const POST = route({ auth: 'caller', body: addUserRequest, status: 201 }, ({ service, caller, body }) => service.createUser(caller, body));
