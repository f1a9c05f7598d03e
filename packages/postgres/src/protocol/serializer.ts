import { BufferWriter } from './buffer-writer';
import { AuthenticationCode, BackendCode, FrontendCode, NoticeField, StartupCode } from './codes';

export interface ErrorFields {
  severity: 'FATAL' | 'ERROR';
  /** SQLSTATE, five characters. */
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

/**
 * Builds the messages Postern writes itself. Everything it relays is forwarded as
 * received; these are for its own errors, its upstream startup, and tests.
 */
export const serialize = {
  /** ErrorResponse with both severity fields ('S' for people, 'V' for programs). */
  errorResponse(fields: ErrorFields): Buffer {
    const w = new BufferWriter();
    w.u8(NoticeField.Severity).cstring(fields.severity);
    w.u8(NoticeField.SeverityNonLocalized).cstring(fields.severity);
    w.u8(NoticeField.Code).cstring(fields.code);
    w.u8(NoticeField.Message).cstring(withoutNul(fields.message));
    if (fields.detail !== undefined) w.u8(NoticeField.Detail).cstring(withoutNul(fields.detail));
    if (fields.hint !== undefined) w.u8(NoticeField.Hint).cstring(withoutNul(fields.hint));
    return w.u8(0).message(BackendCode.ErrorResponse);
  },

  /** StartupMessage for protocol 3.0 (or the given minor version). */
  startupMessage(params: Record<string, string>, minorVersion = 0): Buffer {
    const w = new BufferWriter(128).int32(StartupCode.Protocol3 | minorVersion);
    for (const [name, value] of Object.entries(params)) w.cstring(name).cstring(value);
    return w.u8(0).packet();
  },

  sslRequest(): Buffer {
    return new BufferWriter(4).int32(StartupCode.SSLRequest).packet();
  },

  gssEncRequest(): Buffer {
    return new BufferWriter(4).int32(StartupCode.GSSENCRequest).packet();
  },

  cancelRequest(pid: number, key: number): Buffer {
    return new BufferWriter(12).int32(StartupCode.CancelRequest).uint32(pid).uint32(key).packet();
  },

  authenticationOk(): Buffer {
    return new BufferWriter(4).int32(AuthenticationCode.Ok).message(BackendCode.Authentication);
  },

  backendKeyData(pid: number, key: number): Buffer {
    return new BufferWriter(8).uint32(pid).uint32(key).message(BackendCode.BackendKeyData);
  },

  parameterStatus(name: string, value: string): Buffer {
    return new BufferWriter().cstring(name).cstring(value).message(BackendCode.ParameterStatus);
  },

  /** status: 'I' idle, 'T' in a transaction, 'E' in a failed transaction. */
  readyForQuery(status: 'I' | 'T' | 'E' = 'I'): Buffer {
    return new BufferWriter(1).u8(status.charCodeAt(0)).message(BackendCode.ReadyForQuery);
  },

  /** Tells a client which minor version and `_pq_.` options are not supported. */
  negotiateProtocolVersion(newestMinor: number, unrecognized: readonly string[]): Buffer {
    const w = new BufferWriter().int32(newestMinor).int32(unrecognized.length);
    for (const name of unrecognized) w.cstring(name);
    return w.message(BackendCode.NegotiateProtocolVersion);
  },

  query(sql: string): Buffer {
    return new BufferWriter(sql.length + 1).cstring(sql).message(FrontendCode.Query);
  },

  terminate(): Buffer {
    return new BufferWriter(0).message(FrontendCode.Terminate);
  },
} as const;

/** Our messages quote names and reasons from elsewhere; a NUL in them must not cut the message. */
function withoutNul(text: string): string {
  return text.replaceAll('\0', '\uFFFD');
}
