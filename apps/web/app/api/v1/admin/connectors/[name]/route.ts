import { putConnectorRequest } from '@postern/api';
import { route } from '../../../../../../lib/route';

export const dynamic = 'force-dynamic';
export const GET = route({ auth: 'caller' }, ({ service, caller, params }) => service.getConnector(caller, params.name ?? ''));
/** Creates or replaces a stored connector (YAML or JSON); a client_secret left out keeps the stored one. */
export const PUT = route({ auth: 'caller', body: putConnectorRequest }, ({ service, caller, params, body }) =>
  service.putConnector(caller, params.name ?? '', body),
);
export const DELETE = route({ auth: 'caller' }, ({ service, caller, params }) => service.removeConnector(caller, params.name ?? ''));
