function notFound(req: Request): Response {
  const path = new URL(req.url).pathname;
  return Response.json({ error: { code: 'not_found', message: `no API endpoint ${req.method} ${path}` } }, { status: 404 });
}

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const DELETE = notFound;
export const PATCH = notFound;
