// The SQLSTATE codes Postern itself reports ("PostgreSQL Error Codes" in the manual).
// Clients and poolers act on the class (the first two characters): 08 is a connection
// problem, 28 an authorization one, 53 a transient shortage worth retrying later.

export const SqlState = {
  /** Refused by Postern's access check, a route mismatch, or a database asking for a password. */
  InvalidAuthorizationSpecification: '28000',
  /** The database could not be reached or refused the TLS connection. */
  UnableToEstablishConnection: '08001',
  /** The client did not finish its startup in time, or a connection broke mid-way. */
  ConnectionFailure: '08006',
  /** Malformed or oversized messages, unencrypted bytes after SSLRequest. */
  ProtocolViolation: '08P01',
  /** Protocol 2, unknown request codes. */
  FeatureNotSupported: '0A000',
  /**
   * The audit log cannot take more events. Class 53 ("insufficient resources") is what it
   * is: a shortage on Postern's side, transient, that clients and poolers may retry; 57P03
   * would read as "the database is starting up", which would send people to the wrong place.
   */
  AuditUnavailable: '53000',
  InternalError: 'XX000',
} as const;

export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState];
