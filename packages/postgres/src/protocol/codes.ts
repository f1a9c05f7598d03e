// Message type bytes and request codes of the PostgreSQL frontend/backend protocol 3.0
// ("Message Formats" in the PostgreSQL manual). Frontend and backend reuse letters for
// different messages ('C' is Close from a client but CommandComplete from a server), so
// each direction has its own table.

/** Type bytes of messages a client sends once the startup phase is over. */
export const FrontendCode = {
  Bind: 0x42, // 'B'
  Close: 0x43, // 'C'
  Describe: 0x44, // 'D'
  Execute: 0x45, // 'E'
  FunctionCall: 0x46, // 'F'
  Flush: 0x48, // 'H'
  Parse: 0x50, // 'P'
  Query: 0x51, // 'Q'
  Sync: 0x53, // 'S'
  Terminate: 0x58, // 'X'
  CopyDone: 0x63, // 'c'
  CopyData: 0x64, // 'd'
  CopyFail: 0x66, // 'f'
  /** PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse share it. */
  PasswordMessage: 0x70, // 'p'
} as const;

/** Type bytes of messages a server sends. */
export const BackendCode = {
  ParseComplete: 0x31, // '1'
  BindComplete: 0x32, // '2'
  CloseComplete: 0x33, // '3'
  NotificationResponse: 0x41, // 'A'
  CommandComplete: 0x43, // 'C'
  DataRow: 0x44, // 'D'
  ErrorResponse: 0x45, // 'E'
  CopyInResponse: 0x47, // 'G'
  CopyOutResponse: 0x48, // 'H'
  EmptyQueryResponse: 0x49, // 'I'
  BackendKeyData: 0x4b, // 'K'
  NoticeResponse: 0x4e, // 'N'
  Authentication: 0x52, // 'R'
  ParameterStatus: 0x53, // 'S'
  RowDescription: 0x54, // 'T'
  FunctionCallResponse: 0x56, // 'V'
  CopyBothResponse: 0x57, // 'W'
  ReadyForQuery: 0x5a, // 'Z'
  CopyDone: 0x63, // 'c'
  CopyData: 0x64, // 'd'
  NoData: 0x6e, // 'n'
  PortalSuspended: 0x73, // 's'
  ParameterDescription: 0x74, // 't'
  NegotiateProtocolVersion: 0x76, // 'v'
} as const;

/**
 * The int32 after the length of a startup-phase packet. A real StartupMessage carries the
 * protocol version (major << 16 | minor); the special requests use major 1234, which no
 * protocol version will ever have.
 */
export const StartupCode = {
  Protocol3: 3 << 16, // 196608
  CancelRequest: 80877102, // 1234 << 16 | 5678
  SSLRequest: 80877103, // 1234 << 16 | 5679
  GSSENCRequest: 80877104, // 1234 << 16 | 5680
} as const;

/** The single byte a server answers an SSLRequest or GSSENCRequest with. */
export const EncryptionResponse = {
  Accept: 0x53, // 'S'
  Refuse: 0x4e, // 'N'
} as const;

/** The int32 that follows 'R' and says what an Authentication message asks for. */
export const AuthenticationCode = {
  Ok: 0,
  KerberosV5: 2,
  CleartextPassword: 3,
  MD5Password: 5,
  GSS: 7,
  GSSContinue: 8,
  SSPI: 9,
  SASL: 10,
  SASLContinue: 11,
  SASLFinal: 12,
} as const;

/** Field type bytes of ErrorResponse and NoticeResponse. */
export const NoticeField = {
  Severity: 0x53, // 'S', localized
  SeverityNonLocalized: 0x56, // 'V'
  Code: 0x43, // 'C', SQLSTATE
  Message: 0x4d, // 'M'
  Detail: 0x44, // 'D'
  Hint: 0x48, // 'H'
} as const;

/** ReadyForQuery's transaction status byte. */
export const TransactionStatus = {
  Idle: 0x49, // 'I'
  InTransaction: 0x54, // 'T'
  Failed: 0x45, // 'E'
} as const;
