import type { AuditEventDraft } from '@postern/engine';
import { MessageFramer } from '../protocol/framer';
import { parseFrontendMessage } from '../protocol/frontend';
import type { FrontendMessage } from '../protocol/frontend';
import { describeWireValues } from '../protocol/parameters';

/**
 * A client can create prepared statements and portals without end; the server bounds
 * them by its memory, we bound the SQL we remember. An evicted statement is still
 * audited, by name.
 */
export const MAX_REMEMBERED = 10_000;

interface Portal {
  sql: string;
  parameters: string[];
  audited: boolean;
}

/**
 * Follows what a client sends and turns it into query audit events, one per statement
 * the client asks to run:
 * - a simple Query is one event, whatever number of statements it holds;
 * - the extended protocol is one event per Bind that is executed, with the SQL of its
 *   Parse and the bound values (a portal fetched in several Executes is one event);
 * - a FunctionCall is an event naming the function's oid.
 * CopyData and the rest produce nothing.
 *
 * `consume` runs before the chunk is forwarded, so a throwing `emit` (audit unavailable)
 * or a ProtocolError stops the statement from ever reaching the database.
 */
export class QueryAuditor {
  private readonly framer: MessageFramer;
  private readonly statements = new Map<string, string>();
  private readonly portals = new Map<string, Portal>();
  private terminated = false;
  private readyRequests = 0;
  private settled = true;

  constructor(
    private readonly emit: (draft: AuditEventDraft) => void,
    opts: { maxMessageLength?: number } = {},
  ) {
    this.framer = new MessageFramer({ maxLength: opts.maxMessageLength });
  }

  /** Whether everything seen so far ends at a message boundary: a Terminate could be appended cleanly. */
  get atBoundary(): boolean {
    return this.framer.bufferedBytes === 0;
  }

  /** The client sent Terminate: it is leaving on purpose. */
  get sawTerminate(): boolean {
    return this.terminated;
  }

  /** Messages the server answers with a ReadyForQuery (Query, Sync, FunctionCall), sent so far. */
  get readyRequestCount(): number {
    return this.readyRequests;
  }

  /**
   * Whether the last message before Terminate (if any) closed a request: nothing of an
   * extended-protocol batch waits for its Sync at the server, so the connection could
   * serve someone else once the answers are in.
   */
  get settledAtTerminate(): boolean {
    return this.settled;
  }

  /** Throws ProtocolError for a malformed stream, or whatever `emit` throws. */
  consume(chunk: Buffer): void {
    this.framer.push(chunk);
    for (let frame = this.framer.next(); frame; frame = this.framer.next()) this.handle(parseFrontendMessage(frame));
  }

  private handle(message: FrontendMessage): void {
    if (message.type !== 'terminate' && !this.terminated) {
      const closesRequest = message.type === 'query' || message.type === 'sync' || message.type === 'functionCall';
      if (closesRequest) this.readyRequests++;
      this.settled = closesRequest;
    } else if (message.type !== 'terminate') {
      // Anything after Terminate: the stream is not one to reason about.
      this.settled = false;
    }
    switch (message.type) {
      case 'query':
        this.emit({ event: 'db.session.query', db_query: message.sql });
        return;
      case 'parse':
        remember(this.statements, message.statement, message.sql);
        return;
      case 'bind': {
        const sql = this.statements.get(message.statement) ?? `EXECUTE ${quoteIdent(message.statement)} -- prepared outside Postern's view`;
        const parameters = describeWireValues(message.parameters, message.parameterFormats);
        remember(this.portals, message.portal, { sql, parameters, audited: false });
        return;
      }
      case 'execute': {
        // An Execute of a portal we never saw bound is a cursor declared in SQL (DECLARE
        // c CURSOR FOR …), whose statement was audited when it was declared.
        const portal = this.portals.get(message.portal);
        if (!portal || portal.audited) return;
        portal.audited = true;
        this.emit({ event: 'db.session.query', db_query: portal.sql, db_query_parameters: portal.parameters });
        return;
      }
      // Portals are not forgotten at Sync: inside BEGIN … COMMIT they outlive it, and an
      // Execute in a later batch must still be audited.
      case 'close':
        (message.target === 'statement' ? this.statements : this.portals).delete(message.name);
        return;
      case 'functionCall':
        this.emit({
          event: 'db.session.query',
          db_query: `FunctionCall oid=${message.oid}`,
          db_query_parameters: describeWireValues(message.arguments, message.argumentFormats),
        });
        return;
      case 'terminate':
        this.terminated = true;
        return;
      default:
        return;
    }
  }
}

/** Map insertion order is age order: the oldest entry goes first when full. */
function remember<V>(map: Map<string, V>, name: string, value: V): void {
  map.delete(name);
  map.set(name, value);
  if (map.size > MAX_REMEMBERED) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
