import { webLoginRequest, type WebLoginResponse } from '@postern/api';
import { route } from '../../../../../lib/route';
import { sessionCookie } from '../../../../../lib/session-cookie';

export const POST = route({ auth: 'none', body: webLoginRequest }, async ({ service, body, addr }) => {
  const { user, session } = await service.webLocalLogin(body, addr);
  const result: WebLoginResponse = { user: user.name, roles: user.roleNames, expires: session.expiresAt.toISOString() };
  return Response.json(result, { headers: { 'set-cookie': sessionCookie(session.token, session.expiresAt), 'cache-control': 'no-store' } });
});
