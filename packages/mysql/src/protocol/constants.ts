// Numbers of the MySQL client/server protocol ("Connection Phase", "Command Phase" and
// "Binary Protocol" in the MySQL and MariaDB documentation).

/** A physical packet carries at most 2^24 - 1 bytes; a payload of that length continues in the next packet. */
export const MAX_PART_LENGTH = 0xffffff;
export const HEADER_LENGTH = 4;

/** Capability flags, as in the handshake packets. Bit 31 fits: the values are used unsigned (`>>> 0`). */
export const Capability = {
  /** Old "new password" flag; MariaDB servers clear it to say "MariaDB, extended capabilities follow". */
  LongPassword: 1 << 0,
  FoundRows: 1 << 1,
  LongFlag: 1 << 2,
  ConnectWithDb: 1 << 3,
  NoSchema: 1 << 4,
  Compress: 1 << 5,
  Odbc: 1 << 6,
  LocalFiles: 1 << 7,
  IgnoreSpace: 1 << 8,
  Protocol41: 1 << 9,
  Interactive: 1 << 10,
  Ssl: 1 << 11,
  IgnoreSigpipe: 1 << 12,
  Transactions: 1 << 13,
  Reserved: 1 << 14,
  SecureConnection: 1 << 15,
  MultiStatements: 1 << 16,
  MultiResults: 1 << 17,
  PsMultiResults: 1 << 18,
  PluginAuth: 1 << 19,
  ConnectAttrs: 1 << 20,
  PluginAuthLenencClientData: 1 << 21,
  CanHandleExpiredPasswords: 1 << 22,
  SessionTrack: 1 << 23,
  DeprecateEof: 1 << 24,
  OptionalResultsetMetadata: 1 << 25,
  ZstdCompression: 1 << 26,
  QueryAttributes: 1 << 27,
  MultiFactorAuthentication: 1 << 28,
  CapabilityExtension: 1 << 29,
  SslVerifyServerCert: 1 << 30,
  RememberOptions: 2 ** 31,
} as const;

/** Names of the set bits, for messages and logs. */
export function capabilityNames(flags: number): string[] {
  return Object.entries(Capability)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
}

/** Command bytes: the first byte of every packet a client sends in the command phase. */
export const Command = {
  Sleep: 0x00,
  Quit: 0x01,
  InitDb: 0x02,
  Query: 0x03,
  FieldList: 0x04,
  CreateDb: 0x05,
  DropDb: 0x06,
  Refresh: 0x07,
  Shutdown: 0x08,
  Statistics: 0x09,
  ProcessInfo: 0x0a,
  Connect: 0x0b,
  ProcessKill: 0x0c,
  Debug: 0x0d,
  Ping: 0x0e,
  ChangeUser: 0x11,
  BinlogDump: 0x12,
  StmtPrepare: 0x16,
  StmtExecute: 0x17,
  StmtSendLongData: 0x18,
  StmtClose: 0x19,
  StmtReset: 0x1a,
  SetOption: 0x1b,
  StmtFetch: 0x1c,
  ResetConnection: 0x1f,
  /** MariaDB: an array of parameter sets in one packet. */
  StmtBulkExecute: 0xfa,
} as const;

/** First bytes of the server's generic response packets. */
export const Marker = {
  Ok: 0x00,
  AuthMoreData: 0x01,
  LocalInfile: 0xfb,
  /** EOF, or AuthSwitchRequest during authentication. */
  Eof: 0xfe,
  Err: 0xff,
} as const;

/** caching_sha2_password's AuthMoreData contents. */
export const CachingSha2 = {
  FastAuthSuccess: 0x03,
  PerformFullAuthentication: 0x04,
} as const;

export const ServerStatus = {
  InTransaction: 0x0001,
  Autocommit: 0x0002,
  MoreResultsExist: 0x0008,
  SessionStateChanged: 0x4000,
} as const;

/** utf8mb4_general_ci: in every MySQL since 5.5.3 and every MariaDB (MySQL 8's default 255 is not in MariaDB). */
export const DEFAULT_COLLATION = 45;

/** Column and parameter types of the binary protocol. */
export const FieldType = {
  Decimal: 0x00,
  Tiny: 0x01,
  Short: 0x02,
  Long: 0x03,
  Float: 0x04,
  Double: 0x05,
  Null: 0x06,
  Timestamp: 0x07,
  LongLong: 0x08,
  Int24: 0x09,
  Date: 0x0a,
  Time: 0x0b,
  DateTime: 0x0c,
  Year: 0x0d,
  NewDate: 0x0e,
  VarChar: 0x0f,
  Bit: 0x10,
  Timestamp2: 0x11,
  DateTime2: 0x12,
  Time2: 0x13,
  Json: 0xf5,
  NewDecimal: 0xf6,
  Enum: 0xf7,
  Set: 0xf8,
  TinyBlob: 0xf9,
  MediumBlob: 0xfa,
  LongBlob: 0xfb,
  Blob: 0xfc,
  VarString: 0xfd,
  String: 0xfe,
  Geometry: 0xff,
} as const;

/** The parameter flag byte after a type in COM_STMT_EXECUTE. */
export const UNSIGNED_FLAG = 0x80;

/** COM_STMT_EXECUTE's statement id -1: MariaDB's "the statement prepared last" (pipelined PREPARE + EXECUTE). */
export const LAST_PREPARED_STATEMENT = 0xffffffff;
