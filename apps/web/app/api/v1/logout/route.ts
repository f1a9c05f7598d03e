import { route } from '../../../../lib/route';
import { clearedSessionCookie } from '../../../../lib/session-cookie';

/** Revokes the session in the store (a stolen cookie or token stops working), then forgets the cookie. */
export const POST = route({ auth: 'caller' }, async ({ service, caller }) => {
  await service.logout(caller);
  return new Response(null, { status: 204, headers: { 'set-cookie': clearedSessionCookie(), 'cache-control': 'no-store' } });
});
