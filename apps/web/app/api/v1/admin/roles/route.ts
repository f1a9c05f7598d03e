import { applyRoleRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

export const dynamic = 'force-dynamic';
export const GET = route({ auth: 'caller' }, async ({ service, caller }) => ({ roles: await service.listRoles(caller) }));
export const POST = route({ auth: 'caller', body: applyRoleRequest }, ({ service, caller, body }) =>
  'yaml' in body ? service.applyRoleYaml(caller, body.yaml) : service.applyRole(caller, body.role),
);
