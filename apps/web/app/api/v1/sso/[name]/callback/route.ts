import { bindingFrom, clientAddr, finishResponse, ssoStep } from '../../../../../../lib/sso';

export const dynamic = 'force-dynamic';

/** GET /api/v1/sso/<name>/callback?code&state: the OpenID Provider's answer. */
export function GET(req: Request, { params }: { params: Promise<{ name: string }> }): Promise<Response> {
  return ssoStep(async (service) => {
    const { name } = await params;
    const result = await service.ssoFinish(name, {
      query: new URL(req.url).searchParams,
      binding: bindingFrom(req.headers.get('cookie')),
      addr: clientAddr(req),
    });
    return finishResponse(result);
  });
}
