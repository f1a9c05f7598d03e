import { userCertRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

export const POST = route({ auth: 'caller', body: userCertRequest }, ({ service, caller, body }) => service.issueUserCert(caller, body));
