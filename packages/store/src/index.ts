export { openStore } from './open-store';
export type { OpenStoreOptions, Store } from './store';
export { listMigrations } from './migrations';
export type { Migration } from './migrations';
export { StoreError } from './errors';
export type { StoreErrorCode } from './errors';
export { Prisma } from './client';
export type {
  Agent,
  AuditEvent,
  CertAuthority,
  Connector,
  Database,
  JoinToken,
  PrismaClient,
  Role,
  SignupToken,
  SsoRequest,
  User,
  WebSession,
} from './client';
