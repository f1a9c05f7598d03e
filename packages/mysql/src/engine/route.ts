import type { SessionContext } from '@postern/engine';

type Route = SessionContext['identity']['route'];

/** A route database of '' or '*' lets the client pick (or pick none), as MySQL sessions need not name one. */
export function isWildcardDatabase(route: Route): boolean {
  return route.database === '' || route.database === '*';
}

/** The database the agent logs in with: the client's under a wildcard route, else the route's. */
export function sessionDatabase(clientDatabase: string, route: Route): string {
  return isWildcardDatabase(route) ? clientDatabase : route.database;
}

/**
 * The route in the certificate decides who Postern is at the database. A client asking
 * for another user, or another database than a specific route's, is refused with the
 * command that would get it a fitting certificate; an empty user or database means the
 * route's.
 */
export function routeMismatch(client: { user: string; database: string }, route: Route, service: string): string | undefined {
  const user = client.user || route.username;
  const wildcard = isWildcardDatabase(route);
  const database = client.database || route.database;
  if (user === route.username && (wildcard || database === route.database)) return undefined;
  if (wildcard) {
    return (
      `this certificate is for db user ${JSON.stringify(route.username)}, not ${JSON.stringify(user)}: ` +
      `run \`postern db login ${service} --db-user ${user}\` for one that is`
    );
  }
  return (
    `this certificate is for db user ${JSON.stringify(route.username)} and database ${JSON.stringify(route.database)}, ` +
    `not user ${JSON.stringify(user)} and database ${JSON.stringify(database)}: ` +
    `run \`postern db login ${service} --db-user ${user} --db-name ${database}\` for one that is`
  );
}
