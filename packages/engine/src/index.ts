// What a protocol engine is given for a session, and what it answers to.
export * from './session/contract';

// Byte plumbing every protocol engine needs, whatever its wire format.
export { closeGracefully, DEFAULT_CLOSE_GRACE_MS } from './io/close-gracefully';
export { relay, type RelayOptions, type RelayOutcome } from './io/relay';
export { readNext, readChunk, ReadTimeoutError, type UnitSource } from './io/read-next';
export { ChunkQueue } from './io/chunk-queue';
export { formatBytes } from './io/format-bytes';
export { ByteReader } from './io/byte-reader';
export { ByteWriter } from './io/byte-writer';
export { parseDatabaseAddress, formatAddress, InvalidAddressError, type DatabaseAddress } from './net/address';
export { withDeadline } from './net/deadline';
export { connectTcp } from './net/connect-tcp';
export { startClientTls, type StartClientTlsOptions } from './net/start-client-tls';
export { clientTlsContext, keepSession, resumableSession, type ClientTlsMaterial } from './net/tls-context';
export { checkServerNameCheaply } from './net/server-identity';

// What every session does the same way, whatever its protocol.
export { auditOrThrow, auditQuietly, AuditUnavailable, AUDIT_UNAVAILABLE_MESSAGE } from './session/audit';
export { describeError } from './session/describe-error';
export { logSessionEnd } from './session/log-session-end';
export { checkAccess, ACCESS_CHECK_FAILED_MESSAGE, type AccessRefusal } from './session/check-access';
export { RelaySession, relaySessionOptions, DEFAULT_CONNECT_TIMEOUT_MS, type RelaySessionOptions } from './session/relay-session';
