import { X509Certificate } from 'node:crypto';
import { CONSOLE_WS_PATH, sessionTokenFrom, type ConsoleTicketRequest, type ConsoleTicketResponse } from '@postern/api';
import { createCsr } from '@postern/pki';
import type { UserCaller } from '../caller';
import { issueDbCert } from '../certs/issue-db-cert';
import type { AuthContext } from '../context';
import { listDatabases } from '../databases/list-databases';
import { AuthError } from '../errors';
import { authenticateWebSession } from '../sessions/authenticate';
import { addConsoleTicket, takeConsoleTicket } from './ticket-store';
import type { ThrowawayKeys } from './throwaway-keys';

// One-time tickets that let a browser's WebSocket in. A ticket is bound to the web session
// that asked for it (the WebSocket must come with the same session cookie) and to a
// database certificate issued exactly as `postern db login` gets one (same role checks, same
// TTL caps, same cert.create audit event), for a throwaway key (throwaway-keys.ts).
//
// Tickets live in the store (ticket-store.ts), shared by every replica: the Auth Service
// that issues a ticket and the proxy that redeems it may run in different processes behind
// a load balancer. Redeeming is one-time across replicas.

export interface RedeemedTicket {
  /** The route-bearing user certificate (DER, base64) the agent verifies, as for native clients. */
  cert: string;
}

export async function createConsoleTicket(ctx: AuthContext, keys: ThrowawayKeys, caller: UserCaller, req: ConsoleTicketRequest): Promise<ConsoleTicketResponse> {
  if (caller.sessionKind !== 'web') {
    throw new AuthError('forbidden', 'the SQL console opens from a browser session; from the command line, use `postern db connect`');
  }
  const db = (await listDatabases(ctx, caller)).find((d) => d.name === req.db_service);
  if (db && db.status === 'offline') {
    throw new AuthError('unavailable', `no agent is online for database "${db.name}": the agent that serves it has not reported in; try again when it is back`);
  }
  // issueDbCert refuses unknown databases (404) and what the roles do not allow (403).
  const key = await keys.take();
  const issued = await issueDbCert(ctx, caller, { ...req, csr: createCsr(key, caller.name) });
  const der = new X509Certificate(issued.certificate).raw.toString('base64');
  const { ticket, expires } = await addConsoleTicket(ctx, { sessionId: caller.sessionId, cert: der });
  return { ticket, expires: expires.toISOString(), ws_path: CONSOLE_WS_PATH, protocol: db?.protocol ?? 'postgres' };
}

/**
 * For a proxy, before it upgrades a console WebSocket: the ticket must be known, unused,
 * unexpired, and presented with the cookie of the session it was issued to (still valid:
 * not signed out, not expired, user not locked). The ticket is used up first, whatever
 * happens next: a ticket is tried once.
 */
export async function redeemConsoleTicket(ctx: AuthContext, ticket: string, cookieHeader: string | undefined): Promise<RedeemedTicket> {
  const entry = await takeConsoleTicket(ctx, ticket);
  if (!entry) throw new AuthError('unauthenticated', 'this console ticket is unknown, used or expired: open the console again');
  const token = sessionTokenFrom(cookieHeader);
  if (!token) throw new AuthError('unauthenticated', 'no session cookie came with the console connection: sign in again');
  const caller = await authenticateWebSession(ctx, token);
  if (caller.sessionId !== entry.sessionId) throw new AuthError('forbidden', 'this console ticket belongs to another session');
  return { cert: entry.cert };
}
