import { addTokenRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

export const dynamic = 'force-dynamic';
export const GET = route({ auth: 'caller' }, async ({ service, caller }) => ({ tokens: await service.listJoinTokens(caller) }));
export const POST = route({ auth: 'caller', body: addTokenRequest, status: 201 }, ({ service, caller, body }) =>
  service.createJoinToken(caller, body),
);
