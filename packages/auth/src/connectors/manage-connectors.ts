import type { ConnectorInfo, PutConnectorRequest } from '@postern/api';
import { ConfigError, parseConnector, parseConnectorYaml, type ConnectorConfig } from '@postern/config';
import { sealSecret } from '@postern/pki';
import { emit } from '../audit/record';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';
import { allConnectors, connectorUrls, displayName, findConnector, refreshConnectorSummaries, secretAad, type ResolvedConnector } from '../sso/connectors';

/** A connector as the API shows it: everything but client_secret, of which only its presence. */
function toInfo(ctx: AuthContext, resolved: ResolvedConnector): ConnectorInfo {
  const { connector, source, row } = resolved;
  const { client_secret: secret, ...spec } = connector as ConnectorConfig & { client_secret?: string };
  return {
    name: connector.name,
    type: connector.type,
    display: displayName(connector),
    source,
    spec,
    client_secret_set: Boolean(secret),
    urls: connectorUrls(ctx, connector),
    ...(row ? { updated: row.updatedAt.toISOString(), updated_by: row.updatedBy } : {}),
  };
}

export async function listConnectors(ctx: AuthContext): Promise<ConnectorInfo[]> {
  return (await allConnectors(ctx)).map((c) => toInfo(ctx, c));
}

export async function getConnectorInfo(ctx: AuthContext, name: string): Promise<ConnectorInfo> {
  const found = await findConnector(ctx, name);
  if (!found) throw new AuthError('not_found', `no SSO connector ${name}`);
  return toInfo(ctx, found);
}

function parseInput(name: string, input: PutConnectorRequest): ConnectorConfig {
  try {
    if ('yaml' in input) return parseConnectorYaml(input.yaml, `connector ${name}`, { name });
    return parseConnector({ name, ...input.connector }, `connector ${name}`);
  } catch (err) {
    if (err instanceof ConfigError) throw new AuthError('bad_request', err.message);
    throw err;
  }
}

function readOnly(name: string): AuthError {
  return new AuthError('conflict', `connector ${name} comes from postern.yaml and is read-only here: change it in the file and restart`);
}

/**
 * Creates or replaces a stored connector. A client_secret left out keeps the stored one,
 * so that the UI never has to show (or resend) it.
 */
export async function putConnector(
  ctx: AuthContext,
  name: string,
  input: PutConnectorRequest,
  authorize: (exists: boolean) => string,
): Promise<ConnectorInfo> {
  const connector = parseInput(name, input);
  if (connector.name !== name) throw new AuthError('bad_request', `name: ${connector.name} does not match the URL's ${name}`);
  if (ctx.config.auth.connectors.some((c) => c.name === name)) throw readOnly(name);
  const existing = await ctx.store.prisma.connector.findUnique({ where: { name } });
  const by = authorize(existing !== null);
  if (existing && existing.type !== connector.type) {
    throw new AuthError('conflict', `connector ${name} is ${existing.type}; remove it first to make it ${connector.type}`);
  }
  const { client_secret: secret, ...spec } = connector as ConnectorConfig & { client_secret?: string };
  const sealedSecret = secret ? sealSecret(ctx.masterKey, secret, secretAad(name)) : connector.type === 'oidc' ? (existing?.sealedSecret ?? null) : null;
  const row = await ctx.store.prisma.connector.upsert({
    where: { name },
    create: { name, type: connector.type, spec, sealedSecret, updatedBy: by },
    update: { spec, sealedSecret, updatedBy: by },
  });
  emit(ctx, connector.type === 'oidc' ? 'oidc.created' : 'saml.created', { user: by, name });
  await refreshConnectorSummaries(ctx);
  const resolved = await findConnector(ctx, name);
  return toInfo(ctx, resolved ?? { connector, source: 'store', row });
}

export async function removeConnector(ctx: AuthContext, name: string, by: string): Promise<void> {
  if (ctx.config.auth.connectors.some((c) => c.name === name)) throw readOnly(name);
  const row = await ctx.store.prisma.connector.findUnique({ where: { name } });
  if (!row) throw new AuthError('not_found', `no SSO connector ${name}`);
  await ctx.store.prisma.connector.delete({ where: { name } });
  emit(ctx, row.type === 'oidc' ? 'oidc.deleted' : 'saml.deleted', { user: by, name });
  await refreshConnectorSummaries(ctx);
}
