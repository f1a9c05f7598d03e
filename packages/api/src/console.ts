import { z } from 'zod';

/** Where the proxy takes the browser console's WebSocket (`?ticket=…`). */
export const CONSOLE_WS_PATH = '/api/v1/console/ws';

/** How long a console ticket can be redeemed, once. */
export const CONSOLE_TICKET_TTL_MS = 30_000;

/** POST /console/tickets: the signed-in browser asks to open the console on a database. */
export const consoleTicketRequest = z
  .object({
    db_service: z.string().min(1).max(64),
    db_user: z.string().min(1).max(63),
    db_name: z.string().min(1).max(63),
  })
  .strict();
export type ConsoleTicketRequest = z.infer<typeof consoleTicketRequest>;

export const consoleTicketResponse = z.object({
  ticket: z.string(),
  /** When the ticket stops being accepted (ISO 8601). */
  expires: z.string(),
  /** The WebSocket path on the proxy's public address. */
  ws_path: z.string(),
  protocol: z.enum(['postgres', 'mysql']),
});
export type ConsoleTicketResponse = z.infer<typeof consoleTicketResponse>;
