import { BufferReader } from './buffer-reader';
import { BufferWriter } from './buffer-writer';
import { Command } from './constants';

/** What a client asks for in the command phase, as far as Postern needs to know. */
export type ClientCommand =
  | { type: 'query'; sql: string }
  | { type: 'initDb'; schema: string }
  | { type: 'stmtPrepare'; sql: string }
  /** `params` is everything after the iteration count: null bitmap, types, values (decodeExecuteParameters). */
  | { type: 'stmtExecute'; statementId: number; flags: number; iterationCount: number; params: Buffer }
  | { type: 'stmtSendLongData'; statementId: number; paramId: number; data: Buffer }
  | { type: 'stmtClose'; statementId: number }
  | { type: 'stmtReset'; statementId: number }
  | { type: 'stmtFetch'; statementId: number; rows: number }
  /** The rest of COM_CHANGE_USER (password, database, plugin) is not needed: Postern refuses it. */
  | { type: 'changeUser'; user: string }
  | { type: 'resetConnection' }
  | { type: 'ping' }
  | { type: 'quit' }
  /** Every other command, and an empty packet (`code` undefined): forwarded as it is. */
  | { type: 'unknown'; code: number | undefined; payload: Buffer };

type Parser = (r: BufferReader, payload: Buffer) => ClientCommand;

/** SQL and names are sent in the connection's character set; Postern audits them as UTF-8. */
const text = (r: BufferReader): string => r.rest().toString('utf8');

const PARSERS: Readonly<Record<number, Parser>> = {
  [Command.Query]: (r) => ({ type: 'query', sql: text(r) }),
  [Command.InitDb]: (r) => ({ type: 'initDb', schema: text(r) }),
  [Command.StmtPrepare]: (r) => ({ type: 'stmtPrepare', sql: text(r) }),
  [Command.StmtExecute]: (r) => ({
    type: 'stmtExecute',
    statementId: r.u32(),
    flags: r.u8(),
    // MySQL 8 clients may leave out the always-1 iteration count of a parameterless statement.
    iterationCount: r.remaining >= 4 ? r.u32() : 1,
    params: r.rest(),
  }),
  [Command.StmtSendLongData]: (r) => ({ type: 'stmtSendLongData', statementId: r.u32(), paramId: r.u16(), data: r.rest() }),
  [Command.StmtClose]: (r) => ({ type: 'stmtClose', statementId: r.u32() }),
  [Command.StmtReset]: (r) => ({ type: 'stmtReset', statementId: r.u32() }),
  [Command.StmtFetch]: (r) => ({ type: 'stmtFetch', statementId: r.u32(), rows: r.u32() }),
  [Command.ChangeUser]: (r) => ({ type: 'changeUser', user: r.cstringOrRest() }),
  [Command.ResetConnection]: () => ({ type: 'resetConnection' }),
  [Command.Ping]: () => ({ type: 'ping' }),
  [Command.Quit]: () => ({ type: 'quit' }),
};

/**
 * Reads one command packet (a logical packet with sequence id 0). Dispatches on the
 * command byte through a table; commands without an entry come back as `unknown` with
 * their bytes. Throws ProtocolError for a known command that is cut short.
 */
export function parseCommand(payload: Buffer): ClientCommand {
  const code = payload[0];
  const parser = code === undefined ? undefined : PARSERS[code];
  if (code === undefined || !parser) return { type: 'unknown', code, payload };
  const r = new BufferReader(payload.subarray(1), `${commandName(code)} packet`);
  return parser(r, payload);
}

/** Names by code, worked out once: parseCommand labels every command it reads with one. */
const NAMES = new Map<number, string>();

export function commandName(code: number): string {
  let name = NAMES.get(code);
  if (name === undefined) {
    const entry = Object.entries(Command).find(([, value]) => value === code);
    name = entry ? `COM_${entry[0].replace(/[A-Z]/g, (c, i: number) => (i > 0 ? '_' : '') + c).toUpperCase()}` : `command 0x${code.toString(16).padStart(2, '0')}`;
    if (code >= 0 && code <= 0xff) NAMES.set(code, name);
  }
  return name;
}

/** Payloads of the commands Postern itself sends (COM_QUIT as last words) and tests send. */
export const buildCommand = {
  query: (sql: string): Buffer => new BufferWriter().u8(Command.Query).string(sql).payload(),
  initDb: (schema: string): Buffer => new BufferWriter().u8(Command.InitDb).string(schema).payload(),
  stmtPrepare: (sql: string): Buffer => new BufferWriter().u8(Command.StmtPrepare).string(sql).payload(),
  stmtClose: (statementId: number): Buffer => new BufferWriter().u8(Command.StmtClose).u32(statementId).payload(),
  stmtReset: (statementId: number): Buffer => new BufferWriter().u8(Command.StmtReset).u32(statementId).payload(),
  ping: (): Buffer => Buffer.of(Command.Ping),
  quit: (): Buffer => Buffer.of(Command.Quit),
};
