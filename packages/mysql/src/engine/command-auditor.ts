import type { AuditEventDraft } from '@postern/engine';
import { parseCommand } from '../protocol/commands';
import type { ClientCommand } from '../protocol/commands';
import { Command } from '../protocol/constants';
import { ErrorCode } from '../protocol/error-codes';
import { ProtocolError } from '../protocol/errors';
import { PacketFramer } from '../protocol/framer';
import type { PacketPart } from '../protocol/framer';
import { buildErr } from '../protocol/packets/generic-response';
import { framePacket } from '../protocol/packet-writer';
import { decodeExecuteParameters, inferParameterCount } from '../protocol/stmt-execute';
import { CHANGE_USER_REFUSED_MESSAGE } from './failure';
import type { Statement, StatementRegistry } from './statements';

/** Commands whose contents the auditor reads; the rest is forwarded without being kept. */
const READ = new Set<number>([
  Command.Query,
  Command.InitDb,
  Command.StmtPrepare,
  Command.StmtExecute,
  Command.StmtSendLongData,
  Command.StmtClose,
  Command.StmtReset,
  Command.ResetConnection,
  Command.ChangeUser,
  Command.Quit,
]);

/** Commands Postern answers itself and never forwards. */
const WITHHELD = new Set<number>([Command.ChangeUser]);

/** The draft of MySQL's COM_INIT_DB event, as Teleport's db.session.mysql.init_db (TMY07I). */
export interface InitDbDraft {
  event: 'db.session.mysql.init_db';
  schema_name: string;
  [field: string]: unknown;
}

export interface ConsumeResult {
  /** What to send on to the database: the chunk's packets, original bytes, minus withheld ones. */
  forward: Buffer[];
  /** What to answer the client directly (an ERR for a refused command). */
  replies: Buffer[];
}

/** One logical packet in progress. */
interface Current {
  kind: 'command' | 'data';
  /** Forwarded or answered by Postern. */
  withheld: boolean;
  /** Collected only for commands the auditor reads. */
  payloads: Buffer[] | undefined;
}

/**
 * Follows what a client sends in the command phase and turns it into audit events:
 * - COM_QUERY is one db.session.query with its text, whatever number of statements it holds;
 * - COM_STMT_EXECUTE is one db.session.query with the SQL of its COM_STMT_PREPARE and the
 *   decoded parameters (a prepare alone is not an event);
 * - COM_INIT_DB is a db.session.mysql.init_db with the schema name;
 * - COM_CHANGE_USER is answered with an ERR and never forwarded: the identity is the
 *   certificate's.
 *
 * A command is a packet with sequence id 0. Packets with other ids are not commands: the
 * parts of a packet of 16 MiB or more, and the file a client sends for LOAD DATA LOCAL
 * INFILE (sequence 2 on, after the server's request, up to an empty packet, with ids that
 * wrap through 0), which is forwarded unread.
 *
 * `consume` runs before the chunk is forwarded, and a command's last part is in that
 * chunk: a throwing `emit` (audit unavailable) or a ProtocolError stops the command
 * before the database can run it.
 */
export class CommandAuditor {
  private readonly framer: PacketFramer;
  private current: Current | undefined;
  private infile = false;
  private lastCommand: number | undefined;
  private lastSequenceId = 0;
  private quit = false;

  constructor(
    private readonly emit: (draft: AuditEventDraft) => void,
    private readonly statements: StatementRegistry,
    opts: { maxPacketLength?: number } = {},
  ) {
    this.framer = new PacketFramer({ maxPacketLength: opts.maxPacketLength });
  }

  /** Whether everything seen so far ends a packet: a COM_QUIT of ours could follow cleanly. */
  get atBoundary(): boolean {
    return this.framer.atBoundary && !this.infile;
  }

  /** The client sent COM_QUIT: it is leaving on purpose. */
  get sawQuit(): boolean {
    return this.quit;
  }

  /** The sequence id an answer to the client's last packet carries. */
  get replySequenceId(): number {
    return (this.lastSequenceId + 1) & 0xff;
  }

  /** Throws ProtocolError for a malformed stream, or whatever `emit` throws. */
  consume(chunk: Buffer): ConsumeResult {
    const result: ConsumeResult = { forward: [], replies: [] };
    this.framer.push(chunk);
    for (let part = this.framer.next(); part; part = this.framer.next()) {
      const current = part.first ? this.begin(part) : this.current!;
      if (!current.withheld) result.forward.push(part.raw);
      current.payloads?.push(part.payload);
      this.lastSequenceId = part.sequenceId;
      if (!part.last) continue;
      this.current = undefined;
      if (current.kind === 'command' && current.payloads) {
        const payload = current.payloads.length === 1 ? current.payloads[0]! : Buffer.concat(current.payloads);
        this.handle(parseCommand(payload), result);
      }
    }
    // A partial part stays in the framer until it is complete, and is forwarded then.
    return result;
  }

  /** Classifies a packet by its first part. */
  private begin(part: PacketPart): Current {
    let current: Current;
    if (this.infile) {
      // The file ends with an empty packet; the server then answers the COM_QUERY.
      if (part.last && part.payload.length === 0) this.infile = false;
      current = { kind: 'data', withheld: false, payloads: undefined };
    } else if (part.sequenceId === 0) {
      const code = part.payload[0];
      this.lastCommand = code;
      const read = code !== undefined && READ.has(code);
      const withheld = code !== undefined && WITHHELD.has(code);
      current = { kind: 'command', withheld, payloads: read ? [] : undefined };
    } else {
      // Sequence 2 right after a COM_QUERY: the server asked for a local file (its 0xfb request was 1).
      if (this.lastCommand === Command.Query && part.sequenceId === 2 && !(part.last && part.payload.length === 0)) this.infile = true;
      current = { kind: 'data', withheld: false, payloads: undefined };
    }
    this.current = current;
    return current;
  }

  private handle(command: ClientCommand, result: ConsumeResult): void {
    switch (command.type) {
      case 'query':
        this.emit({ event: 'db.session.query', db_query: command.sql });
        return;
      case 'initDb': {
        const draft: InitDbDraft = { event: 'db.session.mysql.init_db', schema_name: command.schema };
        this.emit(draft);
        return;
      }
      case 'stmtPrepare':
        this.statements.prepareSent(command.sql);
        return;
      case 'stmtExecute':
        this.onExecute(command.statementId, command.params);
        return;
      case 'stmtSendLongData': {
        const statement = this.statements.find(command.statementId);
        if (statement) this.statements.addLongData(statement, command.paramId, command.data);
        return;
      }
      case 'stmtReset': {
        const statement = this.statements.find(command.statementId);
        if (statement) this.statements.takeLongData(statement);
        return;
      }
      case 'stmtClose':
        this.statements.close(command.statementId);
        return;
      case 'resetConnection':
        this.statements.clear();
        return;
      case 'changeUser':
        // A refused COM_CHANGE_USER leaves the session as it was, as a server's would.
        result.replies.push(framePacket(buildErr({ ...ErrorCode.AccessDenied, message: CHANGE_USER_REFUSED_MESSAGE }), this.replySequenceId));
        return;
      case 'quit':
        this.quit = true;
        return;
      default:
        return;
    }
  }

  private onExecute(statementId: number, params: Buffer): void {
    const statement = this.statements.find(statementId);
    const sql = statement?.sql ?? `EXECUTE statement ${statementId} -- prepared outside Postern's view`;
    this.emit({ event: 'db.session.query', db_query: sql, db_query_parameters: this.describeParameters(statement, params) });
  }

  /**
   * Parameters that cannot be decoded (types never sent, a type Postern does not know)
   * do not stop the statement: the event says so instead of showing values.
   */
  private describeParameters(statement: Statement | undefined, params: Buffer): string[] {
    const longData = statement ? this.statements.takeLongData(statement) : undefined;
    const paramCount = statement?.paramCount ?? inferParameterCount(params);
    if (paramCount === undefined) return [`(parameters not decoded: ${params.length} bytes)`];
    try {
      const decoded = decodeExecuteParameters(params, paramCount, statement?.types, longData);
      if (statement && decoded.typesSent) statement.types = decoded.types;
      return decoded.values;
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return [`(parameters not decoded: ${err.message})`];
    }
  }
}
