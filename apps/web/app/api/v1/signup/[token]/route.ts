import { completeSignupRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

export const dynamic = 'force-dynamic';
export const GET = route({ auth: 'none' }, ({ service, params }) => service.getSignup(params.token ?? ''));
export const POST = route({ auth: 'none', body: completeSignupRequest }, ({ service, params, body }) =>
  service.completeSignup(params.token ?? '', body),
);
