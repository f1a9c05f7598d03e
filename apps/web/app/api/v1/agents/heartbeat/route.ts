import { heartbeatRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

export const POST = route({ auth: 'caller', body: heartbeatRequest }, ({ service, caller, body }) => service.heartbeat(caller, body));
