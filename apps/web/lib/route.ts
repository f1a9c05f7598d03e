import { MAX_BODY_BYTES } from '@postern/api';
import type { AuthService, Caller } from '@postern/auth';
import { formatIssues } from '@postern/validation';
import type { z } from 'zod';
import { authService } from './auth-service';
import { HttpError } from './http-error';
import { requestCaller } from './request-caller';

type Params = Record<string, string>;

interface HandlerArgs<B, Q = undefined> {
  body: B;
  query: Q;
  service: AuthService;
  params: Params;
  /** The client's address as the server saw it (rate limits, audit). */
  addr: string;
}

interface RouteOptions<S extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  body?: S;
  /** Schema of the query string (GET filters). */
  query?: Q;
  /** 'caller': the request must authenticate (Bearer session or host signature). */
  auth: 'none' | 'caller';
  status?: number;
  /** A larger body cap than MAX_BODY_BYTES, for batch intake. */
  maxBytes?: number;
}

type Body<S> = S extends z.ZodType ? z.infer<S> : undefined;
type Handler<S, Q, A> = A extends 'caller'
  ? (args: HandlerArgs<Body<S>, Body<Q>> & { caller: Caller }) => Promise<unknown> | unknown
  : (args: HandlerArgs<Body<S>, Body<Q>>) => Promise<unknown> | unknown;

export { HttpError };

export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { code, message } }, { status, headers: { 'cache-control': 'no-store', ...headers } });
}

async function readBody(req: Request, max: number): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > max) throw new HttpError(413, 'too_large', `request body over ${max} bytes`);
  const text = await req.text();
  if (Buffer.byteLength(text) > max) throw new HttpError(413, 'too_large', `request body over ${max} bytes`);
  return text;
}

function parseBody<S extends z.ZodType>(schema: S, text: string): z.infer<S> {
  let json: unknown;
  try {
    json = text.length === 0 ? {} : JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'malformed_json', `malformed JSON: ${(err as Error).message}`);
  }
  return validate(schema, json);
}

function validate<S extends z.ZodType>(schema: S, json: unknown): z.infer<S> {
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new HttpError(400, 'invalid_request', `invalid request: ${formatIssues(result.error.issues)}`);
  }
  return result.data;
}

export function toResponse(err: unknown): Response {
  if (err instanceof HttpError) return errorResponse(err.status, err.code, err.message);
  const e = err as { name?: string; status?: number; code?: string; message?: string; retryAfter?: number };
  // Typed errors of the Auth Service come from another module graph (see auth-service.ts),
  // so they are recognised by shape, not by instanceof.
  if (e?.name === 'AuthError' && typeof e.status === 'number') {
    const headers: Record<string, string> = e.retryAfter ? { 'retry-after': String(e.retryAfter) } : {};
    return errorResponse(e.status, e.code ?? 'error', e.message ?? 'error', headers);
  }
  if (e?.name === 'StoreError') return errorResponse(503, e.code ?? 'store_error', `the store is unavailable: ${e.message}`);
  const id = crypto.randomUUID();
  console.error(JSON.stringify({ level: 'error', component: 'web', id, err: String((err as Error)?.stack ?? err) }));
  return errorResponse(500, 'internal', `internal error (${id}); the server log has the details`);
}

/** A route handler: size-capped body, zod validation, authentication, typed errors → HTTP. */
export function route<S extends z.ZodType | undefined, A extends 'none' | 'caller', Q extends z.ZodType | undefined = undefined>(
  opts: RouteOptions<S, Q> & { auth: A },
  handler: Handler<S, Q, A>,
) {
  return async (req: Request, context: { params: Promise<Params> }): Promise<Response> => {
    try {
      const service = authService();
      const text = req.method === 'GET' || req.method === 'HEAD' ? '' : await readBody(req, opts.maxBytes ?? MAX_BODY_BYTES);
      const body = (opts.body ? parseBody(opts.body, text) : undefined) as Body<S>;
      const params = (await context.params) ?? {};
      const addr = req.headers.get('x-postern-client-addr') ?? 'unknown';
      const url = new URL(req.url);
      const query = (opts.query ? validate(opts.query, Object.fromEntries(url.searchParams)) : undefined) as Body<Q>;
      const args: HandlerArgs<Body<S>, Body<Q>> = { body, query, service, params, addr };
      let result: unknown;
      if (opts.auth === 'caller') {
        const caller = await requestCaller(service, req, url.pathname, text);
        result = await (handler as Handler<S, Q, 'caller'>)({ ...args, caller });
      } else {
        result = await (handler as Handler<S, Q, 'none'>)(args);
      }
      if (result instanceof Response) return result;
      const status = opts.status ?? 200;
      if (result === undefined) return new Response(null, { status: 204 });
      return Response.json(result, { status, headers: { 'cache-control': 'no-store' } });
    } catch (err) {
      return toResponse(err);
    }
  };
}
