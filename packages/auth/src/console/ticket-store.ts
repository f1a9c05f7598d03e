import { randomBytes } from 'node:crypto';
import { CONSOLE_TICKET_TTL_MS } from '@postern/api';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { hashToken } from '../secrets';

// Console tickets live in the store (console_tickets), not in the memory of the process that
// issued them: with several replicas behind a load balancer, the ticket request and the
// WebSocket can reach different replicas, and any proxy must be able to redeem any ticket.
// Only the ticket's sha256 is stored, as for sessions and sign-in states: a read of the
// store does not yield a ticket that could be redeemed.

/**
 * Unexpired, unused tickets at most, across all replicas; far more than people open consoles
 * within 30 s. Kept although each ticket costs its creator a certificate signature: nothing
 * else limits how fast a signed-in person (or a script with their cookie) asks for tickets,
 * and this keeps the table, and so the queries below, small. Replicas counting at the same
 * moment can overshoot it by a few, which is fine for a bound on resources.
 */
const MAX_PENDING = 10_000;
/**
 * Expired rows deleted per ticket added: bounded work on the request path. Since each
 * addition removes up to this many, expired rows cannot pile up faster than they go.
 */
const CLEANUP_BATCH = 100;
/** Anything longer is not a ticket of ours (43 characters); not worth hashing. */
const MAX_TICKET_LENGTH = 200;

/** Up to CLEANUP_BATCH expired rows, whichever come first: ordering them would cost a sort. */
const DELETE_EXPIRED = `delete from console_tickets where ticket_hash in (select ticket_hash from console_tickets where expires_at <= $1 limit ${CLEANUP_BATCH})`;

export interface NewTicket {
  /** The web session the ticket is bound to. */
  sessionId: string;
  /** DER, base64: what the proxy hands to the agent as the dial's `cert`. */
  cert: string;
}

export interface AddedTicket {
  ticket: string;
  expires: Date;
}

export async function addConsoleTicket(ctx: AuthContext, entry: NewTicket): Promise<AddedTicket> {
  const now = ctx.now();
  const prisma = ctx.store.prisma;
  const [, pending] = await Promise.all([
    prisma.$executeRawUnsafe(DELETE_EXPIRED, now),
    prisma.consoleTicket.count({ where: { usedAt: null, expiresAt: { gt: now } } }),
  ]);
  if (pending >= MAX_PENDING) throw new AuthError('unavailable', 'too many console connections are being opened; try again in a moment');
  const ticket = randomBytes(32).toString('base64url');
  const expires = new Date(now.getTime() + CONSOLE_TICKET_TTL_MS);
  await prisma.consoleTicket.create({ data: { ticketHash: hashToken(ticket), sessionId: entry.sessionId, cert: entry.cert, expiresAt: expires } });
  return { ticket, expires };
}

/**
 * Marks the ticket used and returns what it was issued for, or undefined when it is unknown,
 * used or expired. One conditional update (used_at still null, not expired): of two replicas
 * redeeming the same ticket at once, exactly one gets the row. A ticket is tried once: it is
 * used up even if the caller then refuses the connection (wrong session).
 */
export async function takeConsoleTicket(ctx: AuthContext, ticket: string): Promise<NewTicket | undefined> {
  if (!ticket || ticket.length > MAX_TICKET_LENGTH) return undefined;
  const now = ctx.now();
  const rows = await ctx.store.prisma.consoleTicket.updateManyAndReturn({
    where: { ticketHash: hashToken(ticket), usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
    select: { sessionId: true, cert: true },
  });
  return rows[0];
}
