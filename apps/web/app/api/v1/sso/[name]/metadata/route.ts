import { route } from '../../../../../../lib/route';

export const dynamic = 'force-dynamic';

/** GET /api/v1/sso/<name>/metadata: this service provider's SAML metadata, for the identity provider's admin. */
export const GET = route({ auth: 'none' }, async ({ service, params }) => {
  const xml = await service.ssoSamlMetadata(params.name ?? '');
  return new Response(xml, { headers: { 'content-type': 'application/samlmetadata+xml; charset=utf-8', 'cache-control': 'no-store' } });
});
