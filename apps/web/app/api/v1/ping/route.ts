import { route } from '../../../../lib/route';

export const dynamic = 'force-dynamic';
export const GET = route({ auth: 'none' }, ({ service }) => service.ping());
