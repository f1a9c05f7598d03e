import { ssoCliStartRequest } from '@postern/api';
import { route } from '../../../../../../lib/route';

export const dynamic = 'force-dynamic';

/** POST /api/v1/sso/<name>/cli: `postern login --auth <name>` asks where to send the browser. */
export const POST = route({ auth: 'none', body: ssoCliStartRequest }, ({ service, params, body, addr }) => service.ssoBeginCli(params.name ?? '', body, addr));
