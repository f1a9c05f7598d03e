import { removeAgentQuery } from '@postern/api';
import { route } from '../../../../../../lib/route';

/**
 * Forgets an agent and the databases it registered, and revokes its host id (it must join
 * again with a new token). An online agent is refused (409) unless `?force=true`.
 */
export const DELETE = route({ auth: 'caller', query: removeAgentQuery }, ({ service, caller, params, query }) =>
  service.removeAgent(caller, params.id ?? '', { force: query.force }),
);
