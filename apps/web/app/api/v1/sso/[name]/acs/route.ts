import { MAX_BODY_BYTES } from '@postern/api';
import { bindingFrom, clientAddr, finishResponse, signInError, ssoStep } from '../../../../../../lib/sso';

export const dynamic = 'force-dynamic';

/**
 * POST /api/v1/sso/<name>/acs: the SAML identity provider's answer, POSTed cross-site by
 * the browser. It carries no session and changes nothing on the strength of a cookie, so
 * the CSRF rule of cookie-authenticated requests does not apply: what authenticates it is
 * the signature, and InResponseTo must name the request this browser started.
 */
export function POST(req: Request, { params }: { params: Promise<{ name: string }> }): Promise<Response> {
  return ssoStep(async (service) => {
    const { name } = await params;
    // SAML responses with many attributes and a certificate run to tens of KiB.
    const limit = 4 * MAX_BODY_BYTES;
    if (Number(req.headers.get('content-length') ?? '0') > limit) return signInError('the SAML response is too large');
    const text = await req.text();
    if (Buffer.byteLength(text) > limit) return signInError('the SAML response is too large');
    const form = new URLSearchParams(text);
    const result = await service.ssoFinish(name, {
      form: { SAMLResponse: form.get('SAMLResponse') ?? undefined, RelayState: form.get('RelayState') ?? undefined },
      binding: bindingFrom(req.headers.get('cookie')),
      addr: clientAddr(req),
    });
    return finishResponse(result);
  });
}
