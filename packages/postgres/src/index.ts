// @postern/postgres: the PostgreSQL protocol for Postern, both halves. The proxy side
// (readStartup) negotiates TLS and reads the client's startup before any database is
// involved; the agent side (PostgresEngine) authorizes, connects with a DB Client CA
// certificate and relays while auditing. The codec underneath is exported for tools and
// tests that speak the protocol themselves.

// Codec
export { FrontendCode, BackendCode, StartupCode, AuthenticationCode, EncryptionResponse, TransactionStatus } from './protocol/codes';
export { SqlState, type SqlStateCode } from './protocol/sqlstate';
export { ProtocolError, isProtocolError } from './protocol/errors';
export { BufferReader } from './protocol/buffer-reader';
export { BufferWriter } from './protocol/buffer-writer';
export {
  MessageFramer,
  DEFAULT_MAX_MESSAGE_LENGTH,
  DEFAULT_MAX_STARTUP_LENGTH,
  type Frame,
  type FramerOptions,
} from './protocol/framer';
export { MessageBoundaryTracker } from './protocol/boundary';
export { parseFrontendMessage, type FrontendMessage, type WireValue } from './protocol/frontend';
export { parseBackendMessage, type BackendMessage, type AuthenticationMethod, type NoticeFields } from './protocol/backend';
export { parseStartupPacket, type StartupPacket } from './protocol/startup-packet';
export { describeWireValues, MAX_PARAMETER_TEXT } from './protocol/parameters';
export { serialize, type ErrorFields } from './protocol/serializer';

// Proxy side
export {
  readStartup,
  DEFAULT_STARTUP_TIMEOUT_MS,
  TLS_REQUIRED_MESSAGE,
  type ReadStartupOptions,
  type StartupOutcome,
} from './proxy/startup';
export { sendError, type ClientError } from './io/send-error';

// Agent side
export { PostgresEngine, type PostgresEngineOptions, type BackendKey } from './engine/engine';
export { sendCancelRequest, DEFAULT_CANCEL_TIMEOUT_MS, type CancelOptions } from './engine/cancel';
export { AUDIT_UNAVAILABLE_MESSAGE } from './engine/failure';
