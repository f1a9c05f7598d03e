// The one place that names the generated Prisma client, so that other packages depend on
// @postern/store and never on the generated folder's layout.
export { Prisma } from './generated/prisma/client';
export type {
  PrismaClient,
  Agent,
  AuditEvent,
  CertAuthority,
  Connector,
  Database,
  JoinToken,
  Role,
  SignupToken,
  SsoRequest,
  User,
  WebSession,
} from './generated/prisma/client';
