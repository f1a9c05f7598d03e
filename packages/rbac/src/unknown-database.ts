/**
 * What a person is told about a database name their roles do not show: the same words from
 * the Auth Service, the CLI and the proxy. "Unknown" whether it does not exist or is hidden
 * by the roles, so a name cannot be probed. With nothing to list, the hint says "registered":
 * a database exists for Postern only while an agent has registered it (removing the agent
 * takes its databases along), which "your roles allow no database" hid.
 */
export function reachableDatabasesHint(reachable: readonly string[]): string {
  return reachable.length > 0 ? `databases you can reach: ${reachable.join(', ')}` : 'no registered database is open to your roles';
}

export function unknownDatabaseMessage(name: string, reachable: readonly string[]): string {
  return `unknown database "${name}"; ${reachableDatabasesHint(reachable)}`;
}
