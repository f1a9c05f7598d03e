import { connectorSchema, type ConnectorConfig, type SamlConnectorConfig } from '@postern/config';
import { openSecret } from '@postern/pki';
import type { Connector } from '@postern/store';
import type { AuthContext } from '../context';
import { AuthError } from '../errors';

/** Where a connector's settings come from: postern.yaml (read-only) or the admin API (the store). */
export interface ResolvedConnector {
  connector: ConnectorConfig;
  source: 'config' | 'store';
  row?: Connector;
}

export function secretAad(name: string): string {
  return `connector:${name}`;
}

function fromRow(ctx: AuthContext, row: Connector): ConnectorConfig | undefined {
  const secret = row.sealedSecret ? openSecret(ctx.masterKey, row.sealedSecret, secretAad(row.name)) : undefined;
  const parsed = connectorSchema.safeParse({ ...(row.spec as object), ...(secret ? { client_secret: secret } : {}) });
  if (!parsed.success || parsed.data.name !== row.name) {
    // A row written by another version of Postern: skip it rather than fail every sign-in.
    ctx.log.warn({ connector: row.name }, 'a stored SSO connector does not validate; ignored');
    return undefined;
  }
  return parsed.data;
}

/** Every connector: postern.yaml's first, then the stored ones (a stored one never shadows the file). */
export async function allConnectors(ctx: AuthContext): Promise<ResolvedConnector[]> {
  const fromConfig: ResolvedConnector[] = ctx.config.auth.connectors.map((connector) => ({ connector, source: 'config' }));
  const taken = new Set(fromConfig.map((c) => c.connector.name));
  const rows = await ctx.store.prisma.connector.findMany({ orderBy: { name: 'asc' } });
  const stored: ResolvedConnector[] = [];
  for (const row of rows) {
    if (taken.has(row.name)) continue;
    const connector = fromRow(ctx, row);
    if (connector) stored.push({ connector, source: 'store', row });
  }
  return [...fromConfig, ...stored];
}

export async function findConnector(ctx: AuthContext, name: string): Promise<ResolvedConnector | undefined> {
  const configured = ctx.config.auth.connectors.find((c) => c.name === name);
  if (configured) return { connector: configured, source: 'config' };
  const row = await ctx.store.prisma.connector.findUnique({ where: { name } });
  const connector = row ? fromRow(ctx, row) : undefined;
  return connector && row ? { connector, source: 'store', row } : undefined;
}

/** The connector a sign-in names, or a 404 that lists the ones there are. */
export async function requireConnector(ctx: AuthContext, name: string): Promise<ConnectorConfig> {
  const found = await findConnector(ctx, name);
  if (found) return found.connector;
  const known = (await allConnectors(ctx)).map((c) => c.connector.name);
  throw new AuthError(
    'not_found',
    `no SSO connector named ${JSON.stringify(name.slice(0, 64))}${known.length > 0 ? `; connectors: ${known.join(', ')}` : ': this cluster has none'}`,
  );
}

export function displayName(c: ConnectorConfig): string {
  return c.display ?? c.name;
}

// The URLs identity providers are told about, all under the public URL (the proxy's
// HTTPS address), never the web app's loopback address.
function ssoUrl(ctx: AuthContext, name: string, leaf: string): string {
  return `${ctx.publicUrl}/api/v1/sso/${encodeURIComponent(name)}/${leaf}`;
}
export const oidcRedirectUrl = (ctx: AuthContext, name: string) => ssoUrl(ctx, name, 'callback');
export const samlAcsUrl = (ctx: AuthContext, name: string) => ssoUrl(ctx, name, 'acs');
export const samlMetadataUrl = (ctx: AuthContext, name: string) => ssoUrl(ctx, name, 'metadata');
export const samlEntityId = (ctx: AuthContext, c: SamlConnectorConfig) => c.entity_id ?? samlMetadataUrl(ctx, c.name);

/** What an identity provider's admin must enter on their side. */
export function connectorUrls(ctx: AuthContext, c: ConnectorConfig): Record<string, string> {
  if (c.type === 'oidc') return { redirect_uri: oidcRedirectUrl(ctx, c.name) };
  return { acs_url: samlAcsUrl(ctx, c.name), entity_id: samlEntityId(ctx, c), metadata_url: samlMetadataUrl(ctx, c.name) };
}

export interface ConnectorSummary {
  name: string;
  type: 'oidc' | 'saml';
  display: string;
}

const SUMMARY_MAX_AGE_MS = 10_000;
const summaries = new WeakMap<AuthContext, { at: number; stored: ConnectorSummary[]; refreshing?: Promise<void> | undefined }>();

function summaryOf(c: ConnectorConfig): ConnectorSummary {
  return { name: c.name, type: c.type, display: displayName(c) };
}

/** Re-reads the stored connectors for ping(); done at start, after each change, and when stale. */
export async function refreshConnectorSummaries(ctx: AuthContext): Promise<void> {
  const stored = (await allConnectors(ctx)).filter((c) => c.source === 'store').map((c) => summaryOf(c.connector));
  summaries.set(ctx, { at: Date.now(), stored });
}

/**
 * The sign-in buttons, without waiting for the store: postern.yaml's connectors and the
 * stored ones as last read. Another replica's change shows within seconds (a stale list
 * is refreshed in the background); a sign-in itself always reads the store.
 */
export function connectorSummaries(ctx: AuthContext): ConnectorSummary[] {
  const cached = summaries.get(ctx);
  if (!cached || (Date.now() - cached.at > SUMMARY_MAX_AGE_MS && !cached.refreshing)) {
    const entry = cached ?? { at: 0, stored: [] };
    entry.refreshing = refreshConnectorSummaries(ctx)
      .catch((err: unknown) => ctx.log.warn({ err }, 'cannot read the stored SSO connectors'))
      .finally(() => (entry.refreshing = undefined));
    summaries.set(ctx, entry);
  }
  const taken = new Set(ctx.config.auth.connectors.map((c) => c.name));
  return [...ctx.config.auth.connectors.map(summaryOf), ...(cached?.stored ?? []).filter((c) => !taken.has(c.name))];
}
