import { randomBytes, X509Certificate } from 'node:crypto';
import { CONSOLE_TICKET_TTL_MS, CONSOLE_WS_PATH, sessionTokenFrom, type ConsoleTicketRequest, type ConsoleTicketResponse } from '@postern/api';
import { createCsr, generateKeyPair, type KeyPair } from '@postern/pki';
import type { UserCaller } from '../caller';
import { issueDbCert } from '../certs/issue-db-cert';
import type { AuthContext } from '../context';
import { listDatabases } from '../databases/list-databases';
import { AuthError } from '../errors';
import { authenticateWebSession } from '../sessions/authenticate';

/** Tickets waiting at most; far more than people open consoles within 30 s. */
const MAX_PENDING = 10_000;

interface Pending {
  sessionId: string;
  /** DER, base64: what the proxy hands to the agent as the dial's `cert`. */
  cert: string;
  expires: number;
}

export interface RedeemedTicket {
  /** The route-bearing user certificate (DER, base64) the agent verifies, as for native clients. */
  cert: string;
}

/**
 * One-time tickets that let a browser's WebSocket in. A ticket is bound to the web session
 * that asked for it (the WebSocket must come with the same session cookie) and to a
 * database certificate issued exactly as `postern db login` gets one (same role checks, same
 * TTL caps, same cert.create audit event), for a key made here and thrown away: the agent
 * needs the certificate only to verify identity and route again, never a TLS handshake.
 *
 * Tickets live in this process's memory: the proxy that redeems them runs in the same
 * process as the Auth Service that issued them.
 */
export class ConsoleTickets {
  private readonly pending = new Map<string, Pending>();
  private nextKey: Promise<KeyPair> | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** A fresh key for each certificate; the next one is generated ahead (RSA takes ~200 ms). */
  async throwawayKey(): Promise<KeyPair> {
    const key = this.nextKey ?? generateKeyPair();
    this.nextKey = generateKeyPair();
    this.nextKey.catch(() => (this.nextKey = undefined));
    return key;
  }

  add(entry: Omit<Pending, 'expires'>): { ticket: string; expires: Date } {
    const now = this.now();
    for (const [t, p] of this.pending) if (p.expires <= now) this.pending.delete(t);
    if (this.pending.size >= MAX_PENDING) throw new AuthError('unavailable', 'too many console connections are being opened; try again in a moment');
    const ticket = randomBytes(32).toString('base64url');
    const expires = now + CONSOLE_TICKET_TTL_MS;
    this.pending.set(ticket, { ...entry, expires });
    return { ticket, expires: new Date(expires) };
  }

  /** Removes the ticket whatever happens next: a ticket is tried once. */
  take(ticket: string): Pending | undefined {
    const entry = this.pending.get(ticket);
    this.pending.delete(ticket);
    if (!entry || entry.expires <= this.now()) return undefined;
    return entry;
  }
}

export async function createConsoleTicket(ctx: AuthContext, tickets: ConsoleTickets, caller: UserCaller, req: ConsoleTicketRequest): Promise<ConsoleTicketResponse> {
  if (caller.sessionKind !== 'web') {
    throw new AuthError('forbidden', 'the SQL console opens from a browser session; from the command line, use `postern db connect`');
  }
  const db = (await listDatabases(ctx, caller)).find((d) => d.name === req.db_service);
  if (db && db.status === 'offline') {
    throw new AuthError('unavailable', `no agent is online for database "${db.name}": the agent that serves it has not reported in; try again when it is back`);
  }
  // issueDbCert refuses unknown databases (404) and what the roles do not allow (403).
  const key = await tickets.throwawayKey();
  const issued = await issueDbCert(ctx, caller, { ...req, csr: createCsr(key, caller.name) });
  const der = new X509Certificate(issued.certificate).raw.toString('base64');
  const { ticket, expires } = tickets.add({ sessionId: caller.sessionId, cert: der });
  return { ticket, expires: expires.toISOString(), ws_path: CONSOLE_WS_PATH, protocol: db?.protocol ?? 'postgres' };
}

/**
 * For the proxy, before it upgrades a console WebSocket: the ticket must be known, unused,
 * unexpired, and presented with the cookie of the session it was issued to (still valid:
 * not signed out, not expired, user not locked).
 */
export async function redeemConsoleTicket(ctx: AuthContext, tickets: ConsoleTickets, ticket: string, cookieHeader: string | undefined): Promise<RedeemedTicket> {
  const entry = ticket ? tickets.take(ticket) : undefined;
  if (!entry) throw new AuthError('unauthenticated', 'this console ticket is unknown, used or expired: open the console again');
  const token = sessionTokenFrom(cookieHeader);
  if (!token) throw new AuthError('unauthenticated', 'no session cookie came with the console connection: sign in again');
  const caller = await authenticateWebSession(ctx, token);
  if (caller.sessionId !== entry.sessionId) throw new AuthError('forbidden', 'this console ticket belongs to another session');
  return { cert: entry.cert };
}
