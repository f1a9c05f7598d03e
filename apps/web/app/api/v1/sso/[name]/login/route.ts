import { safeNextPath } from '../../../../../../lib/safe-next';
import { bindingCookie, clientAddr, redirectTo, ssoStep } from '../../../../../../lib/sso';

export const dynamic = 'force-dynamic';

/** GET /api/v1/sso/<name>/login?next=/path: off to the identity provider. */
export function GET(req: Request, { params }: { params: Promise<{ name: string }> }): Promise<Response> {
  return ssoStep(async (service) => {
    const { name } = await params;
    const next = safeNextPath(new URL(req.url).searchParams.get('next'));
    const started = await service.ssoBeginWeb(name, next, clientAddr(req));
    return redirectTo(started.url, [bindingCookie(started.binding, started.expiresAt)]);
  });
}
