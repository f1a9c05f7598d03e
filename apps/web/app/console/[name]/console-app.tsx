'use client';

import type { ConsoleTicketResponse } from '@postern/api';
import { lineAndColumn, serverMessage, splitStatements, statementAt, type ServerMessage } from '@postern/console';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { ErrorBox } from '../../../components/error-box';
import { badge, button, card, input, smallButton } from '../../../lib/class-names';
import { api } from '../../../lib/client/api';
import { applyMessage, errorOffset, FIRST_PAGE_ROWS, MAX_BROWSER_ROWS, newRun, rowsToFetch, summary, type RunView, type StatementView } from './console-state';
import { addToHistory, loadHistory, type HistoryEntry } from './history';
import { ResultGrid } from './result-grid';
import { SqlEditor } from './sql-editor';

export interface ConsoleDatabase {
  name: string;
  protocol: 'postgres' | 'mysql';
  status: 'online' | 'offline';
  db_users: string[];
  db_names: string[];
}

type Session = NonNullable<Extract<ServerMessage, { type: 'ready' }>['session']>;
type State = 'idle' | 'connecting' | 'open' | 'closed';

const PROTOCOL_NAMES = { postgres: 'PostgreSQL', mysql: 'MySQL/MariaDB' } as const;

/** The first value the roles name literally (a '*' means: type one). */
function firstLiteral(values: string[]): string {
  return values.find((v) => v !== '*') ?? '';
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/** A db user or db name: a list when the roles name them all, free text (with suggestions) when they allow '*'. */
function RouteField(props: { label: string; testId: string; values: string[]; value: string; onChange(v: string): void; disabled: boolean }) {
  const literal = props.values.filter((v) => v !== '*');
  const free = props.values.includes('*') || literal.length === 0;
  const id = `console-${props.testId}`;
  return (
    <label className="block text-sm">
      <span className="mb-1 block text-xs font-medium text-slate-600">{props.label}</span>
      {free ? (
        <>
          <input id={id} list={`${id}-list`} className={input} value={props.value} onChange={(e) => props.onChange(e.target.value)} disabled={props.disabled} data-testid={id} />
          <datalist id={`${id}-list`}>
            {literal.map((v) => (
              <option key={v} value={v} />
            ))}
          </datalist>
        </>
      ) : (
        <select className={input} value={props.value} onChange={(e) => props.onChange(e.target.value)} disabled={props.disabled} data-testid={id}>
          {literal.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      )}
    </label>
  );
}

/**
 * The browser SQL console: a ticket from the Auth Service, then a WebSocket through the
 * proxy to the agent, which runs the statements with its own driver and sends rows as the
 * grid asks for them.
 */
export function ConsoleApp({ db, user }: { db: ConsoleDatabase; user: string }) {
  const [dbUser, setDbUser] = useState(firstLiteral(db.db_users));
  const [dbName, setDbName] = useState(firstLiteral(db.db_names));
  const [state, setState] = useState<State>('idle');
  const [session, setSession] = useState<Session | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [sql, setSql] = useState('');
  const [tab, setTab] = useState(0);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [showHistory, setShowHistory] = useState(false);
  const [version, bump] = useReducer((x: number) => x + 1, 0);
  const socket = useRef<WebSocket | null>(null);
  const run = useRef<RunView | null>(null);
  const editor = useRef<HTMLTextAreaElement>(null);
  const frame = useRef<number | null>(null);

  useEffect(() => setHistory(loadHistory(window.localStorage, user)), [user]);
  useEffect(() => () => socket.current?.close(), []);

  /** Many row messages a second: the page re-renders once per frame. */
  const refresh = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      bump();
    });
  }, []);

  const send = (msg: object) => {
    const ws = socket.current;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  };

  const showError = useCallback((r: RunView, st: StatementView | undefined) => {
    const err = st?.error ?? r.error;
    if (!err) return;
    if (st) setTab(st.stmt);
    const at = errorOffset(r, err);
    const el = editor.current;
    if (at !== undefined && el) {
      el.focus();
      el.setSelectionRange(at, Math.min(at + 1, el.value.length));
    }
  }, []);

  const onMessage = useCallback(
    (msg: ServerMessage) => {
      if (msg.type === 'ready' && msg.session) {
        setSession(msg.session);
        setState('open');
        return;
      }
      if (msg.type === 'timeout') {
        setFatal(msg.message);
        return;
      }
      if (msg.type === 'error' && (msg.fatal || !('id' in msg) || msg.id === undefined)) {
        if (msg.fatal) setFatal(msg.message);
        else if (run.current) {
          run.current.error = msg;
          refresh();
        }
        return;
      }
      const r = run.current;
      if (!r || !applyMessage(r, msg, performance.now())) return;
      if (msg.type === 'error') showError(r, msg.stmt !== undefined ? r.statements[msg.stmt] : undefined);
      if (msg.type === 'rows') {
        const st = r.statements[msg.stmt];
        // The page keeps a bounded number of rows: past it, the rest stays in the database.
        if (st && st.rows.length >= MAX_BROWSER_ROWS && !st.done && !st.capped) {
          st.capped = true;
          send({ type: 'cancel', id: r.id });
        }
      }
      refresh();
    },
    [refresh, showError],
  );

  async function connect() {
    socket.current?.close();
    setFatal(null);
    setSession(null);
    setState('connecting');
    let ticket: ConsoleTicketResponse;
    try {
      ticket = await api<ConsoleTicketResponse>('/api/v1/console/tickets', { method: 'POST', body: { db_service: db.name, db_user: dbUser, db_name: dbName } });
    } catch (err) {
      setFatal((err as Error).message);
      setState('closed');
      return;
    }
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${window.location.host}${ticket.ws_path}?ticket=${encodeURIComponent(ticket.ticket)}`);
    socket.current = ws;
    let opened = false;
    ws.onopen = () => (opened = true);
    ws.onmessage = (ev: MessageEvent<string>) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(ev.data);
      } catch {
        return;
      }
      const result = serverMessage.safeParse(parsed);
      if (result.success) onMessage(result.data);
    };
    ws.onclose = (ev) => {
      if (socket.current !== ws) return;
      setState('closed');
      if (!opened) setFatal('The proxy refused the console connection: the ticket may have expired, or no agent serves this database right now. Connect again.');
      else setFatal((f) => f ?? `The console connection closed${ev.reason ? `: ${ev.reason}` : ''}.`);
      if (run.current && !run.current.finished) {
        run.current.finished = true;
        refresh();
      }
    };
  }

  function disconnect() {
    send({ type: 'close' });
    socket.current?.close();
  }

  // Open at once when the roles leave no choice to make.
  const autoConnect = useRef(false);
  useEffect(() => {
    if (autoConnect.current) return;
    autoConnect.current = true;
    if (db.status === 'online' && dbUser && dbName && !db.db_users.includes('*') && !db.db_names.includes('*')) void connect();
  }, []);

  function runSql(mode: 'selection' | 'statement') {
    if (state !== 'open' || !session) return;
    const el = editor.current;
    const start = el?.selectionStart ?? 0;
    const end = el?.selectionEnd ?? 0;
    let text = sql;
    let base = 0;
    if (mode === 'selection' && end > start) {
      text = sql.slice(start, end);
      base = start;
    } else if (mode === 'statement') {
      const st = statementAt(splitStatements(sql, db.protocol), start);
      if (!st) return;
      text = st.sql;
      base = st.start;
    }
    if (text.trim() === '') return;
    const id = `r${Date.now().toString(36)}`;
    run.current = newRun(id, text, base, performance.now());
    setTab(0);
    send({ type: 'run', id, sql: text, rows: FIRST_PAGE_ROWS });
    setHistory(addToHistory(window.localStorage, user, { sql: text, db: db.name, at: new Date().toISOString() }));
    bump();
  }

  function cancel() {
    const r = run.current;
    if (!r || r.finished) return;
    r.cancelled = true;
    send({ type: 'cancel', id: r.id });
    bump();
  }

  const needMore = useCallback((st: StatementView) => {
    const r = run.current;
    if (!r) return;
    const n = rowsToFetch(r, st);
    if (n <= 0) return;
    st.requested += n;
    const ws = socket.current;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'fetch', id: r.id, rows: n }));
  }, []);

  const r = run.current;
  const running = !!r && !r.finished;
  const active = r?.statements[tab];
  const connected = state === 'open';

  let status: string;
  if (state === 'connecting') status = 'connecting…';
  else if (!connected || !session) status = state === 'idle' ? 'not connected' : 'disconnected';
  else if (running) status = r!.cancelled ? 'cancelling…' : `running${r!.statements.length > 1 ? ` statement ${r!.statements.length}` : ''}…`;
  else if (r?.ms !== undefined) {
    const failed = r.statements.some((s) => s.error) || r.error;
    status = `${failed ? 'failed' : 'done'}: ${r.statements.length} statement${r.statements.length === 1 ? '' : 's'} in ${r.ms < 1000 ? `${Math.round(r.ms)} ms` : `${(r.ms / 1000).toFixed(2)} s`}`;
  } else status = 'ready';

  const errorText = (() => {
    const err = active?.error ?? r?.error;
    if (!err || !r) return null;
    const at = errorOffset(r, err);
    const where = at !== undefined ? (() => {
      const { line, column } = lineAndColumn(sql, at);
      return ` (line ${line}, column ${column})`;
    })() : '';
    return `${err.message}${err.code ? ` [${err.code}]` : ''}${where}${err.detail ? `\n${err.detail}` : ''}${err.hint ? `\nHint: ${err.hint}` : ''}`;
  })();

  return (
    <div className="space-y-4" data-testid="console" data-state={state}>
      <div className={`${card} flex flex-wrap items-end gap-3 p-3`}>
        <div className="w-48">
          <RouteField label="Database user" testId="db-user" values={db.db_users} value={dbUser} onChange={setDbUser} disabled={state === 'connecting' || connected} />
        </div>
        <div className="w-48">
          <RouteField label="Database name" testId="db-name" values={db.db_names} value={dbName} onChange={setDbName} disabled={state === 'connecting' || connected} />
        </div>
        {connected ? (
          <button type="button" className={smallButton} onClick={disconnect} data-testid="console-disconnect">
            Disconnect
          </button>
        ) : (
          <button type="button" className={button} onClick={() => void connect()} disabled={state === 'connecting' || !dbUser || !dbName} data-testid="console-connect">
            {state === 'closed' ? 'Reconnect' : 'Connect'}
          </button>
        )}
        {session ? (
          <div className="flex flex-wrap items-center gap-2 text-xs text-slate-600" data-testid="console-session">
            <span>
              {PROTOCOL_NAMES[session.protocol]} {session.server_version}
            </span>
            {session.limits.read_only ? <span className={`${badge} bg-amber-100 text-amber-800`}>read-only</span> : null}
            {session.limits.max_rows ? <span className={`${badge} bg-slate-100`}>max {session.limits.max_rows.toLocaleString('en')} rows</span> : null}
            {session.limits.max_statement_ms ? <span className={`${badge} bg-slate-100`}>max {seconds(session.limits.max_statement_ms)} per statement</span> : null}
            <span className="text-slate-400">closes after {seconds(session.idle_timeout_ms)} idle</span>
          </div>
        ) : null}
      </div>

      <ErrorBox message={fatal} testId="console-fatal" />

      <SqlEditor ref={editor} value={sql} dialect={db.protocol} onChange={setSql} onRun={runSql} />

      <div className="flex flex-wrap items-center gap-2">
        <button type="button" className={button} onClick={() => runSql('selection')} disabled={!connected} data-testid="console-run" title="Ctrl+Enter">
          Run
        </button>
        <button type="button" className={smallButton} onClick={() => runSql('statement')} disabled={!connected} data-testid="console-run-statement" title="Ctrl+Shift+Enter">
          Run statement at cursor
        </button>
        <button type="button" className={smallButton} onClick={cancel} disabled={!running || r?.cancelled} data-testid="console-cancel">
          Cancel
        </button>
        <button type="button" className={smallButton} onClick={() => setShowHistory((v) => !v)} data-testid="console-history-toggle">
          History ({history.length})
        </button>
        <span className="ml-auto text-sm text-slate-600" data-testid="console-status" data-running={running ? 'true' : 'false'}>
          {connected && session ? `${session.db_user}@${session.db_name} · ` : ''}
          {status}
        </span>
      </div>

      {showHistory ? (
        <ul className={`${card} max-h-64 divide-y divide-slate-100 overflow-auto text-sm`} data-testid="console-history">
          {history.length === 0 ? <li className="p-3 text-slate-500">Nothing run yet.</li> : null}
          {history.map((h, i) => (
            <li key={`${h.at}-${i}`}>
              <button
                type="button"
                className="block w-full truncate px-3 py-2 text-left font-mono text-xs hover:bg-slate-50"
                title={`${h.db} · ${h.at}`}
                onClick={() => {
                  setSql(h.sql);
                  setShowHistory(false);
                }}
                data-testid="console-history-entry"
              >
                <span className="mr-2 text-slate-400">{h.db}</span>
                {h.sql}
              </button>
            </li>
          ))}
        </ul>
      ) : null}

      {r ? (
        <div className="space-y-2" data-version={version}>
          {r.statements.length > 1 ? (
            <div className="flex flex-wrap gap-1" role="tablist" data-testid="console-tabs">
              {r.statements.map((st) => (
                <button
                  key={st.stmt}
                  type="button"
                  role="tab"
                  aria-selected={st.stmt === tab}
                  onClick={() => setTab(st.stmt)}
                  data-testid={`console-tab-${st.stmt}`}
                  className={`max-w-64 truncate rounded-t border px-2 py-1 text-xs ${st.stmt === tab ? 'border-slate-400 bg-white font-medium' : 'border-slate-200 bg-slate-100 text-slate-600'} ${st.error ? 'text-red-700' : ''}`}
                  title={st.sql}
                >
                  {st.stmt + 1}. {st.sql.slice(0, 40)}
                </button>
              ))}
            </div>
          ) : null}
          <ErrorBox message={errorText} testId="console-error" />
          {active ? (
            <div className="space-y-2">
              <p className={`text-sm text-slate-700 ${active.error ? 'hidden' : ''}`} data-testid="console-result-summary">
                {summary(active)}
                {active.done?.stopped ? <span className="ml-2 text-amber-700">— {active.done.stopped.message}</span> : null}
                {active.capped ? <span className="ml-2 text-amber-700">— the console keeps at most {MAX_BROWSER_ROWS.toLocaleString('en')} rows of a result; narrow the query to see the rest</span> : null}
              </p>
              {active.columns ? <ResultGrid key={`${r.id}-${active.stmt}`} columns={active.columns} rows={active.rows} version={version} onNeedMore={() => needMore(active)} /> : null}
            </div>
          ) : running ? (
            <p className="text-sm text-slate-500">running…</p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
