import { ssoCliExchangeRequest } from '@postern/api';
import { route } from '../../../../../../lib/route';

export const dynamic = 'force-dynamic';

/** POST /api/v1/sso/cli/exchange: the loopback's one-time code and its PKCE verifier → certificate + CLI session. */
export const POST = route({ auth: 'none', body: ssoCliExchangeRequest }, ({ service, body }) => service.ssoCliExchange(body));
