import { dbClientCertRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

export const POST = route({ auth: 'caller', body: dbClientCertRequest }, ({ service, caller, body }) => service.signDbClient(caller, body));
