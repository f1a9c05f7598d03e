import https from 'node:https';
import type { ServerMessage } from '@postern/console';
import WebSocket from 'ws';

/**
 * The browser's side of the SQL console, for tests: sign in with the session cookie, read
 * the CSRF token off a page, get a ticket, open the proxy's WebSocket with an Origin.
 */

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export function httpsRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: unknown; ca: string }): Promise<HttpAnswer> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: opts.method ?? 'GET', ca: opts.ca, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...opts.headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface Browser {
  origin: string;
  cookie: string;
  csrf: string;
  ca: string;
  /** POST /api/v1/console/tickets as the page does. */
  ticket(body: { db_service: string; db_user: string; db_name: string }): Promise<HttpAnswer>;
  /** Opens the console WebSocket with a ticket; resolves with the socket or the HTTP refusal. */
  connect(ticket: string, opts?: { origin?: string; cookie?: string }): Promise<ConsoleClient | { status: number; body: string }>;
  /** ticket + connect + the first `ready`; throws on any refusal. */
  open(db: { db_service: string; db_user: string; db_name: string }): Promise<ConsoleClient>;
}

/** Signs in like the sign-in page (local user, password) and picks up the page's CSRF token. */
export async function signIn(origin: string, ca: string, user: string, password: string): Promise<Browser> {
  const login = await httpsRequest(`${origin}/api/v1/login/web`, { method: 'POST', ca, body: { user, password }, headers: { origin } });
  if (login.status !== 200) throw new Error(`sign-in failed: ${login.status} ${login.text}`);
  const setCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
  const cookie = setCookie.map((c) => c.split(';')[0]).find((c) => c?.startsWith('postern_session='));
  if (!cookie) throw new Error(`no session cookie in ${JSON.stringify(setCookie)}`);
  const page = await httpsRequest(`${origin}/databases`, { ca, headers: { cookie } });
  const csrf = /<meta name="postern-csrf" content="([^"]+)"/.exec(page.text)?.[1];
  if (!csrf) throw new Error(`no CSRF token on /databases (HTTP ${page.status})`);
  const browser: Browser = {
    origin,
    cookie,
    csrf,
    ca,
    ticket: (body) => httpsRequest(`${origin}/api/v1/console/tickets`, { method: 'POST', ca, body, headers: { cookie, origin, 'x-csrf-token': csrf } }),
    connect: (ticket, opts = {}) => connectConsole(origin, ca, ticket, { origin: opts.origin ?? origin, cookie: opts.cookie ?? cookie }),
    async open(db) {
      const t = await browser.ticket(db);
      if (t.status !== 200) throw new Error(`ticket refused: ${t.status} ${t.text}`);
      const c = await browser.connect(t.json.ticket as string);
      if (!(c instanceof ConsoleClient)) throw new Error(`websocket refused: ${c.status} ${c.body}`);
      await c.next((m) => m.type === 'ready' || (m.type === 'error' && m.fatal === true));
      return c;
    },
  };
  return browser;
}

export function connectConsole(origin: string, ca: string, ticket: string, opts: { origin: string; cookie: string }): Promise<ConsoleClient | { status: number; body: string }> {
  const url = `${origin.replace(/^https:/, 'wss:')}/api/v1/console/ws?ticket=${encodeURIComponent(ticket)}`;
  const ws = new WebSocket(url, { ca, origin: opts.origin, headers: { cookie: opts.cookie } });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(new ConsoleClient(ws)));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

export interface StatementResult {
  sql: string;
  offset: number;
  columns?: { name: string; type: string }[];
  rows: (string | null)[][];
  done?: Extract<ServerMessage, { type: 'done' }>;
  error?: Extract<ServerMessage, { type: 'error' }>;
}

export interface RunResult {
  statements: StatementResult[];
  /** An error of the run itself (no statement). */
  error?: Extract<ServerMessage, { type: 'error' }>;
}

let runs = 0;

/** The console as the page drives it: messages in order, runs, fetches, cancels. */
export class ConsoleClient {
  readonly received: ServerMessage[] = [];
  private cursor = 0;
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | undefined;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as ServerMessage);
      this.wakeAll();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wakeAll();
    });
  }

  private wakeAll() {
    for (const w of this.waiters.splice(0)) w();
  }

  send(msg: object): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** The next message (after those already taken) that matches; earlier ones are skipped. */
  async next(pred: (m: ServerMessage) => boolean = () => true, timeoutMs = 30_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.received.length) {
        const m = this.received[this.cursor++]!;
        if (pred(m)) return m;
      }
      if (this.closed) throw new Error(`the console closed (${this.closed.code} ${this.closed.reason}); last messages: ${JSON.stringify(this.received.slice(-3))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching console message within ${timeoutMs} ms; last: ${JSON.stringify(this.received.slice(-3)).slice(0, 1000)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.min(left, 200));
      });
    }
  }

  /** Starts a run; returns its id. */
  start(sql: string, rows?: number): string {
    const id = `r${++runs}`;
    this.send({ type: 'run', id, sql, ...(rows ? { rows } : {}) });
    return id;
  }

  /** Runs the SQL and collects every statement's result until the run's `ready` (fetching all rows). */
  async run(sql: string, opts: { rows?: number; timeoutMs?: number; fetchAll?: boolean } = {}): Promise<RunResult> {
    const id = this.start(sql, opts.rows);
    return this.collect(id, opts.timeoutMs, opts.fetchAll ?? true);
  }

  async collect(id: string, timeoutMs = 60_000, fetchAll = true): Promise<RunResult> {
    const out: RunResult = { statements: [] };
    for (;;) {
      const m = await this.next((x) => 'id' in x && x.id === id, timeoutMs);
      // A statement whose `statement` message was taken before collect() began gets a blank entry.
      const st = 'stmt' in m && m.stmt !== undefined ? (out.statements[m.stmt] ??= { sql: '', offset: 0, rows: [] }) : undefined;
      switch (m.type) {
        case 'statement':
          out.statements[m.stmt] = { sql: m.sql, offset: m.offset, rows: [] };
          break;
        case 'columns':
          st!.columns = m.columns;
          break;
        case 'rows':
          st!.rows.push(...m.rows);
          // Keep the window open, as the page's grid does while someone scrolls.
          if (fetchAll) this.send({ type: 'fetch', id, rows: m.rows.length });
          break;
        case 'done':
          st!.done = m;
          break;
        case 'error':
          if (st) st.error = m;
          else out.error = m;
          break;
        case 'ready':
          return out;
      }
    }
  }

  close(): void {
    this.send({ type: 'close' });
    this.ws.close();
  }
}
