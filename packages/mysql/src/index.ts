// @postern/mysql: the MySQL/MariaDB protocol for Postern, both halves. The proxy side
// (readHandshake) greets the client, takes it through TLS and reads its handshake before
// any database is involved; the agent side (MysqlEngine) authorizes, logs in with a DB
// Client CA certificate and relays while auditing. The codec underneath is exported for
// tools and tests that speak the protocol themselves.

// Codec
export {
  Capability,
  capabilityNames,
  Command,
  Marker,
  ServerStatus,
  FieldType,
  CachingSha2,
  DEFAULT_COLLATION,
  MAX_PART_LENGTH,
  LAST_PREPARED_STATEMENT,
} from './protocol/constants';
export { ErrorCode, type MysqlErrorCode } from './protocol/error-codes';
export { ProtocolError, isProtocolError } from './protocol/errors';
export { BufferReader } from './protocol/buffer-reader';
export { BufferWriter } from './protocol/buffer-writer';
export { PacketFramer, DEFAULT_MAX_PACKET_LENGTH, type PacketPart, type FramerOptions } from './protocol/framer';
export { PacketReader, type Packet } from './protocol/packet-reader';
export { framePacket, nextSequenceId } from './protocol/packet-writer';
export { parseHandshakeV10, buildHandshakeV10, type HandshakeV10 } from './protocol/packets/handshake-v10';
export { isSslRequest, parseSslRequest, buildSslRequest, type SslRequest } from './protocol/packets/ssl-request';
export { parseHandshakeResponse41, buildHandshakeResponse41, type HandshakeResponse41 } from './protocol/packets/handshake-response';
export {
  isAuthSwitchRequest,
  parseAuthSwitchRequest,
  buildAuthSwitchRequest,
  isAuthMoreData,
  parseAuthMoreData,
  buildAuthMoreData,
  type AuthSwitchRequest,
  type AuthMoreData,
} from './protocol/packets/auth';
export {
  isOkPacket,
  isErrPacket,
  isEofPacket,
  parseOk,
  buildOk,
  parseErr,
  buildErr,
  parseEof,
  buildEof,
  type OkPacket,
  type ErrPacket,
  type EofPacket,
} from './protocol/packets/generic-response';
export { parseStmtPrepareOk, buildStmtPrepareOk, type StmtPrepareOk } from './protocol/packets/stmt-prepare-ok';
export { parseCommand, buildCommand, commandName, type ClientCommand } from './protocol/commands';
export { decodeExecuteParameters, inferParameterCount, type ExecuteParameters } from './protocol/stmt-execute';
export type { ParamType } from './protocol/binary-values';
export { MAX_PARAMETER_TEXT } from './protocol/parameters';

// Both halves
export { encodeStartup, decodeStartup, StartupRecordError, type MysqlStartup } from './handoff';
export {
  DEFAULT_PROXY_CAPABILITIES,
  RELAYABLE_CAPABILITIES,
  FORMAT_CAPABILITIES,
  proxyCapabilities,
  upstreamCapabilities,
} from './capabilities';
export { sendError, type ClientError } from './io/send-error';
export { readPacket, ReadTimeoutError } from './io/read-packet';

// Proxy side
export {
  readHandshake,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_AUTH_PLUGIN,
  TLS_REQUIRED_MESSAGE,
  type ReadHandshakeOptions,
  type HandshakeOutcome,
} from './proxy/handshake';

// Agent side
export { MysqlEngine, type MysqlEngineOptions } from './engine/engine';
export { probeServer, probeServerVersion, DEFAULT_PROBE_TIMEOUT_MS, type ServerProbe } from './engine/probe';
export { AUDIT_UNAVAILABLE_MESSAGE, CHANGE_USER_REFUSED_MESSAGE } from './engine/failure';
export type { InitDbDraft } from './engine/command-auditor';
