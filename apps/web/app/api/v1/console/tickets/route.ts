import { consoleTicketRequest } from '@postern/api';
import { route } from '../../../../../lib/route';

/** The SQL console page asks here for a one-time ticket, then opens the proxy's WebSocket with it. */
export const POST = route({ auth: 'caller', body: consoleTicketRequest }, ({ service, caller, body }) => service.createConsoleTicket(caller, body));
