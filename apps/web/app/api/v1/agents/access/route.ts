import { accessLookupRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

export const POST = route({ auth: 'caller', body: accessLookupRequest }, ({ service, caller, body }) => service.accessLookup(caller, body));
