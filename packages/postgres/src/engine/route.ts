import type { SessionContext } from '@postern/engine';

type Route = SessionContext['identity']['route'];

/** The database name the route stands for; an empty one means the db user's own, as in PostgreSQL. */
export function routeDatabase(route: Route): string {
  return route.database || route.username;
}

/**
 * The route in the certificate decides who we are at the database. A client asking for
 * another user or database is refused with the command that would get it a fitting
 * certificate; an empty or absent database (or user) means the route's.
 */
export function routeMismatch(client: Record<string, string>, route: Route, service: string): string | undefined {
  const user = client['user'] || route.username;
  const database = client['database'] || routeDatabase(route);
  if (user === route.username && database === routeDatabase(route)) return undefined;
  return (
    `this certificate is for db user ${JSON.stringify(route.username)} and database ${JSON.stringify(routeDatabase(route))}, ` +
    `not user ${JSON.stringify(user)} and database ${JSON.stringify(database)}: ` +
    `run \`postern db login ${service} --db-user ${user} --db-name ${database}\` for one that is`
  );
}

/** Startup parameters that must not reach the database from a client. */
const DROPPED = new Set([
  'user',
  'database',
  // A replication connection streams WAL and runs replication commands; the audit parser
  // does not follow that protocol, so it is not offered.
  'replication',
]);

/** The client's settings (application_name, client_encoding, DateStyle, options…) with the route's identity. */
export function upstreamParams(client: Record<string, string>, route: Route): Record<string, string> {
  const params: Record<string, string> = { user: route.username, database: routeDatabase(route) };
  for (const [name, value] of Object.entries(client)) {
    if (DROPPED.has(name) || name.startsWith('_pq_.')) continue;
    params[name] = value;
  }
  return params;
}
