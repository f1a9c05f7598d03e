import { BUNDLE_EXPIRES_HEADER, databaseBundleRequest } from '@postern/api';
import { route } from '../../../../../../lib/route';

export const dynamic = 'force-dynamic';

/**
 * The "Connect from your machine" download: a zip with a private key made for it, the
 * certificate, the proxy's CA and a ready client file. Never cached: it holds a private key.
 */
export const POST = route({ auth: 'caller', body: databaseBundleRequest }, async ({ service, caller, params, body }) => {
  const bundle = await service.databaseBundle(caller, params.name ?? '', body);
  return new Response(Buffer.from(bundle.zip), {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${bundle.filename}"`,
      'content-length': String(bundle.zip.byteLength),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      [BUNDLE_EXPIRES_HEADER]: bundle.expires,
    },
  });
});
