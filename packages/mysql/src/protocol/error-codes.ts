// The MySQL error numbers and SQLSTATEs Postern itself reports. Clients print them as
// "ERROR 1045 (28000): message"; drivers expose both (mysql2: errno and sqlState), and
// pools decide on them whether to retry.

export interface MysqlErrorCode {
  code: number;
  sqlState: string;
}

export const ErrorCode = {
  /** ER_ACCESS_DENIED_ERROR: Postern's access check, a route mismatch, TLS missing, COM_CHANGE_USER. */
  AccessDenied: { code: 1045, sqlState: '28000' },
  /** ER_HANDSHAKE_ERROR: a malformed or unexpected handshake packet, or one that took too long. */
  HandshakeError: { code: 1043, sqlState: '08S01' },
  /** ER_NET_PACKET_TOO_LARGE: a packet over Postern's cap. */
  PacketTooLarge: { code: 1153, sqlState: '08S01' },
  /** ER_NET_READ_ERROR_FROM_PIPE-like protocol breakage after the handshake; "Got packets out of order" is 1156. */
  ProtocolViolation: { code: 1156, sqlState: '08S01' },
  /**
   * ER_CONNECT_TO_FOREIGN_DATA_SOURCE: the database behind Postern cannot be reached. The
   * client-side numbers (2003 CR_CONN_HOST_ERROR, 2026 CR_SSL_CONNECTION_ERROR) would read
   * more naturally, but the mariadb client takes an ERR carrying a number of its own range
   * (2001 and up) during login for a broken packet ("ERROR 2027: Received malformed packet").
   */
  Unreachable: { code: 1429, sqlState: 'HY000' },
  /** TLS with the database failed: the same number, the message says what failed. */
  TlsFailed: { code: 1429, sqlState: 'HY000' },
  /**
   * ER_CON_COUNT_ERROR: the audit log cannot take more events. Like "too many connections"
   * it is a transient shortage on the server side that pools retry later; the generic
   * HY000 keeps it from reading as a problem with the client's connection (08004).
   */
  AuditUnavailable: { code: 1040, sqlState: 'HY000' },
  /** ER_NOT_SUPPORTED_YET: the database cannot speak what the client negotiated with Postern. */
  NotSupported: { code: 1235, sqlState: '42000' },
  /** ER_UNKNOWN_ERROR: a fault on Postern's side. */
  Internal: { code: 1105, sqlState: 'HY000' },
} as const satisfies Record<string, MysqlErrorCode>;
