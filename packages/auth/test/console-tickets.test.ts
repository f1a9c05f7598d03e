import { randomUUID, X509Certificate } from 'node:crypto';
import { CONSOLE_TICKET_TTL_MS, SESSION_COOKIE } from '@postern/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserCaller } from '../src/caller';
import { hashToken } from '../src/secrets';
import type { AuthService } from '../src/service';
import { createSession } from '../src/sessions/create-session';
import { authBackends, type AuthCluster } from './support/auth-replicas';

// The browser console's one-time tickets, through the Auth Service as the web route and the
// proxy call it. Tickets live in the store, so on PostgreSQL a second replica (another web +
// proxy process on the same database) redeems what the first issued.

const DB = 'orders';
const request = { db_service: DB, db_user: 'app', db_name: 'shop' };

interface Person {
  caller: UserCaller;
  cookie: string;
}

/** What the proxy gets back when it redeems: a refusal's code and status, or the certificate. */
async function outcome(auth: AuthService, ticket: string, cookie: string | undefined): Promise<string> {
  try {
    const { cert } = await auth.redeemConsoleTicket(ticket, cookie);
    return `cert for ${new X509Certificate(Buffer.from(cert, 'base64')).subject.match(/CN=([^\n]+)/)?.[1]}`;
  } catch (err) {
    const e = err as { code?: string; status?: number; message: string };
    return `${e.status} ${e.code}: ${e.message}`;
  }
}

const UNKNOWN = '401 unauthenticated: this console ticket is unknown, used or expired: open the console again';

describe.each(authBackends)('console tickets on $name', (backend) => {
  const clock = { offsetMs: 0 };
  let cluster: AuthCluster;
  let auth: AuthService;
  let alice: Person;
  let bob: Person;

  /** A browser session of a user with the admin role (every database, db user and name). */
  async function signIn(name: string): Promise<Person> {
    const userId = randomUUID();
    await auth.ctx.store.prisma.user.create({ data: { id: userId, name, roles: ['admin'] } });
    const { token } = await createSession(auth.ctx, userId, 'web', new Date(Date.now() + 3600_000));
    return { caller: await auth.authenticateWebSession(token), cookie: `theme=dark; ${SESSION_COOKIE}=${token}` };
  }

  beforeAll(async () => {
    cluster = await backend.open(() => new Date(Date.now() + clock.offsetMs));
    auth = cluster.auth;
    // An agent that reported in just now serves the database, so the console may open.
    const agentId = randomUUID();
    await auth.ctx.store.prisma.agent.create({ data: { id: agentId, name: 'agent-1', lastHeartbeat: new Date() } });
    await auth.ctx.store.prisma.database.create({ data: { id: randomUUID(), name: DB, protocol: 'postgres', uri: '127.0.0.1:5432', agentId } });
    alice = await signIn('alice');
    bob = await signIn('bob');
  });
  afterAll(async () => {
    await cluster?.cleanup();
  });

  it('redeems a ticket once, for the certificate it was issued with; the second attempt is refused', async () => {
    const issued = await auth.createConsoleTicket(alice.caller, request);
    expect(issued).toMatchObject({ ws_path: '/api/v1/console/ws', protocol: 'postgres' });
    expect(issued.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(issued.expires).getTime() - Date.now()).toBeGreaterThan(CONSOLE_TICKET_TTL_MS - 5_000);
    expect(await outcome(auth, issued.ticket, alice.cookie)).toBe('cert for alice');
    expect(await outcome(auth, issued.ticket, alice.cookie)).toBe(UNKNOWN);
  });

  it('stores only the hash of a ticket', async () => {
    const { ticket } = await auth.createConsoleTicket(alice.caller, request);
    const row = await auth.ctx.store.prisma.consoleTicket.findUniqueOrThrow({ where: { ticketHash: hashToken(ticket) } });
    expect(row).toMatchObject({ sessionId: alice.caller.sessionId, usedAt: null });
    expect(JSON.stringify(row)).not.toContain(ticket);
  });

  it('refuses an expired ticket', async () => {
    const young = await auth.createConsoleTicket(alice.caller, request);
    const old = await auth.createConsoleTicket(alice.caller, request);
    try {
      clock.offsetMs = CONSOLE_TICKET_TTL_MS - 1_000;
      expect(await outcome(auth, young.ticket, alice.cookie)).toBe('cert for alice');
      clock.offsetMs = CONSOLE_TICKET_TTL_MS + 1_000;
      expect(await outcome(auth, old.ticket, alice.cookie)).toBe(UNKNOWN);
    } finally {
      clock.offsetMs = 0;
    }
  });

  it("refuses another session's cookie, and the ticket is used up by the attempt", async () => {
    const { ticket } = await auth.createConsoleTicket(alice.caller, request);
    expect(await outcome(auth, ticket, bob.cookie)).toBe('403 forbidden: this console ticket belongs to another session');
    expect(await outcome(auth, ticket, alice.cookie)).toBe(UNKNOWN);
  });

  it('refuses a connection without a session cookie, and an unknown ticket', async () => {
    const { ticket } = await auth.createConsoleTicket(alice.caller, request);
    expect(await outcome(auth, ticket, undefined)).toBe('401 unauthenticated: no session cookie came with the console connection: sign in again');
    expect(await outcome(auth, 'x'.repeat(43), alice.cookie)).toBe(UNKNOWN);
    expect(await outcome(auth, '', alice.cookie)).toBe(UNKNOWN);
  });

  it('deletes expired tickets, a bounded number at a time, when new ones are added', async () => {
    const prisma = auth.ctx.store.prisma;
    await prisma.consoleTicket.deleteMany({});
    const past = new Date(Date.now() - 60_000);
    await prisma.consoleTicket.createMany({
      data: Array.from({ length: 150 }, () => ({ ticketHash: hashToken(randomUUID()), sessionId: alice.caller.sessionId, cert: 'c', expiresAt: past })),
    });
    const expired = () => prisma.consoleTicket.count({ where: { expiresAt: { lte: new Date() } } });
    expect(await expired()).toBe(150);
    await auth.createConsoleTicket(alice.caller, request);
    expect(await expired()).toBe(50);
    await auth.createConsoleTicket(alice.caller, request);
    expect(await expired()).toBe(0);
  });

  it('refuses new tickets while 10,000 unused ones are pending, and counts no used or expired ones', async () => {
    const prisma = auth.ctx.store.prisma;
    await prisma.consoleTicket.deleteMany({});
    const soon = new Date(Date.now() + CONSOLE_TICKET_TTL_MS);
    const rows = (n: number, extra: object = {}) =>
      Array.from({ length: n }, () => ({ ticketHash: hashToken(randomUUID()), sessionId: bob.caller.sessionId, cert: 'c', expiresAt: soon, ...extra }));
    const past = new Date(Date.now() - 1);
    await prisma.consoleTicket.createMany({ data: [...rows(9_999), ...rows(5, { usedAt: new Date() }), ...rows(200, { expiresAt: past })] });
    await auth.createConsoleTicket(alice.caller, request);
    await expect(auth.createConsoleTicket(alice.caller, request)).rejects.toMatchObject({ status: 503, message: expect.stringContaining('try again in a moment') });
    await prisma.consoleTicket.deleteMany({});
  });

  // Replicas share a PostgreSQL store (PGlite admits one process), so this is defined for PostgreSQL only.
  if (backend.name === 'postgres') it('redeems at one replica a ticket issued by another, once across both', async () => {
    const other = await cluster.openReplica!();
    const issuedHere = await auth.createConsoleTicket(alice.caller, request);
    expect(await outcome(other, issuedHere.ticket, alice.cookie)).toBe('cert for alice');
    expect(await outcome(auth, issuedHere.ticket, alice.cookie)).toBe(UNKNOWN);

    const issuedThere = await other.createConsoleTicket(await other.authenticateWebSession(alice.cookie.split('=').pop()!), request);
    expect(await outcome(auth, issuedThere.ticket, alice.cookie)).toBe('cert for alice');

    // Both replicas redeem the same ticket at the same moment: exactly one wins.
    for (let i = 0; i < 5; i++) {
      const { ticket } = await auth.createConsoleTicket(alice.caller, request);
      const results = await Promise.all([outcome(auth, ticket, alice.cookie), outcome(other, ticket, alice.cookie)]);
      expect(results.sort()).toEqual(['cert for alice', UNKNOWN].sort());
    }
  });
});
