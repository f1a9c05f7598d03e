import { BufferReader } from './buffer-reader';
import { AuthenticationCode, BackendCode, NoticeField } from './codes';
import type { Frame } from './framer';

export type AuthenticationMethod =
  | 'ok'
  | 'kerberosV5'
  | 'cleartextPassword'
  | 'md5Password'
  | 'gss'
  | 'gssContinue'
  | 'sspi'
  | 'sasl'
  | 'saslContinue'
  | 'saslFinal'
  | 'unknown';

/** ErrorResponse / NoticeResponse fields; `fields` keeps every one by its type letter. */
export interface NoticeFields {
  severity: string;
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  fields: Record<string, string>;
}

export type BackendMessage =
  | { type: 'authentication'; method: AuthenticationMethod; code: number; mechanisms?: string[] }
  | { type: 'parameterStatus'; name: string; value: string }
  | { type: 'backendKeyData'; pid: number; key: number }
  | { type: 'readyForQuery'; status: string }
  | { type: 'errorResponse'; notice: NoticeFields }
  | { type: 'noticeResponse'; notice: NoticeFields }
  | { type: 'commandComplete'; tag: string }
  | { type: 'negotiateProtocolVersion'; newestMinor: number; unrecognized: string[] }
  | { type: 'unknown'; code: number; body: Buffer };

const AUTH_METHODS: Record<number, AuthenticationMethod> = {
  [AuthenticationCode.Ok]: 'ok',
  [AuthenticationCode.KerberosV5]: 'kerberosV5',
  [AuthenticationCode.CleartextPassword]: 'cleartextPassword',
  [AuthenticationCode.MD5Password]: 'md5Password',
  [AuthenticationCode.GSS]: 'gss',
  [AuthenticationCode.GSSContinue]: 'gssContinue',
  [AuthenticationCode.SSPI]: 'sspi',
  [AuthenticationCode.SASL]: 'sasl',
  [AuthenticationCode.SASLContinue]: 'saslContinue',
  [AuthenticationCode.SASLFinal]: 'saslFinal',
};

/** Parses the server messages the engine acts on; the rest come back as 'unknown'. Throws ProtocolError only. */
export function parseBackendMessage(frame: Frame): BackendMessage {
  const { code, body } = frame;
  switch (code) {
    case BackendCode.Authentication:
      return parseAuthentication(new BufferReader(body, 'Authentication'));
    case BackendCode.ParameterStatus: {
      const r = new BufferReader(body, 'ParameterStatus');
      return { type: 'parameterStatus', name: r.cstring(), value: r.cstring() };
    }
    case BackendCode.BackendKeyData: {
      const r = new BufferReader(body, 'BackendKeyData');
      return { type: 'backendKeyData', pid: r.uint32(), key: r.uint32() };
    }
    case BackendCode.ReadyForQuery:
      return { type: 'readyForQuery', status: String.fromCharCode(new BufferReader(body, 'ReadyForQuery').u8()) };
    case BackendCode.ErrorResponse:
      return { type: 'errorResponse', notice: parseNoticeFields(new BufferReader(body, 'ErrorResponse')) };
    case BackendCode.NoticeResponse:
      return { type: 'noticeResponse', notice: parseNoticeFields(new BufferReader(body, 'NoticeResponse')) };
    case BackendCode.CommandComplete:
      return { type: 'commandComplete', tag: new BufferReader(body, 'CommandComplete').cstring() };
    case BackendCode.NegotiateProtocolVersion: {
      const r = new BufferReader(body, 'NegotiateProtocolVersion');
      const newestMinor = r.int32();
      const count = r.uint32();
      const unrecognized: string[] = [];
      // Each name consumes at least its NUL, so a count beyond the body ends in a ProtocolError, not a long loop.
      for (let i = 0; i < count; i++) unrecognized.push(r.cstring());
      return { type: 'negotiateProtocolVersion', newestMinor, unrecognized };
    }
    default:
      return { type: 'unknown', code, body };
  }
}

function parseAuthentication(r: BufferReader): BackendMessage {
  const code = r.int32();
  const method = AUTH_METHODS[code] ?? 'unknown';
  if (method !== 'sasl') return { type: 'authentication', method, code };
  const mechanisms: string[] = [];
  for (let name = r.cstring(); name !== ''; name = r.cstring()) mechanisms.push(name);
  return { type: 'authentication', method, code, mechanisms };
}

function parseNoticeFields(r: BufferReader): NoticeFields {
  const fields: Record<string, string> = {};
  for (let type = r.u8(); type !== 0; type = r.u8()) fields[String.fromCharCode(type)] = r.cstring();
  const get = (field: number): string | undefined => fields[String.fromCharCode(field)];
  const notice: NoticeFields = {
    // 'V' is never localized; prefer it so code can compare it.
    severity: get(NoticeField.SeverityNonLocalized) ?? get(NoticeField.Severity) ?? '',
    code: get(NoticeField.Code) ?? '',
    message: get(NoticeField.Message) ?? '',
    fields,
  };
  const detail = get(NoticeField.Detail);
  const hint = get(NoticeField.Hint);
  if (detail !== undefined) notice.detail = detail;
  if (hint !== undefined) notice.hint = hint;
  return notice;
}
