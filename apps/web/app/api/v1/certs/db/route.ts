import { dbCertRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

export const POST = route({ auth: 'caller', body: dbCertRequest }, ({ service, caller, body }) => service.issueDbCert(caller, body));
