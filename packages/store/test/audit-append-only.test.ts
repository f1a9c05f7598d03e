import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../src/index';
import { backends } from './support/backends';
import type { OpenedStore } from './support/backends';

// The audit log is evidence: the migration installs triggers that refuse to change or
// remove an event once written, whichever way the statement arrives.

describe.each(backends)('audit_events is append-only on $name', (backend) => {
  let opened: OpenedStore;
  let prisma: PrismaClient;
  let id: bigint;
  const uid = randomUUID();

  beforeAll(async () => {
    opened = await backend.open();
    prisma = opened.store.prisma;
    const event = await prisma.auditEvent.create({
      data: { uid, event: 'db.session.start', code: 'TDB00I', time: new Date('2024-01-01T00:00:00.000Z'), user: 'alice', data: { ok: true } },
    });
    id = event.id;
  });
  afterAll(() => opened?.cleanup());

  it('refuses UPDATE through Prisma', async () => {
    await expect(prisma.auditEvent.update({ where: { id }, data: { user: 'mallory' } })).rejects.toThrow(
      /audit_events is append-only: UPDATE is not allowed/,
    );
    await expect(prisma.auditEvent.updateMany({ data: { code: 'X' } })).rejects.toThrow(/append-only: UPDATE/);
  });

  it('refuses DELETE through Prisma', async () => {
    await expect(prisma.auditEvent.delete({ where: { id } })).rejects.toThrow(/audit_events is append-only: DELETE is not allowed/);
    await expect(prisma.auditEvent.deleteMany({})).rejects.toThrow(/append-only: DELETE/);
  });

  it('refuses UPDATE, DELETE and TRUNCATE in plain SQL', async () => {
    await expect(prisma.$executeRawUnsafe(`update audit_events set "user" = 'mallory'`)).rejects.toThrow(/append-only: UPDATE/);
    await expect(prisma.$executeRawUnsafe('delete from audit_events')).rejects.toThrow(/append-only: DELETE/);
    await expect(prisma.$executeRawUnsafe('truncate audit_events')).rejects.toThrow(/append-only: TRUNCATE/);
  });

  it('leaves the event as it was, and still takes new events', async () => {
    expect(await prisma.auditEvent.findUniqueOrThrow({ where: { uid } })).toMatchObject({ id, user: 'alice', code: 'TDB00I' });
    const batch = [1, 2].map((ei) => ({ uid: randomUUID(), event: 'db.session.query', code: 'TDB02I', time: new Date(), ei, data: {} }));
    expect(await prisma.auditEvent.createMany({ data: batch })).toEqual({ count: 2 });
    expect(await prisma.auditEvent.count()).toBe(3);
  });
});
