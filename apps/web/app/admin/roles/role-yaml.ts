import { stringify } from 'yaml';

/** A role document as YAML, the form INTERFACE.md documents and `postern admin roles get` prints. */
export function roleToYaml(role: unknown): string {
  return stringify(role);
}

/** What New role starts from: the example of INTERFACE.md, ready to adapt. */
export const NEW_ROLE_TEMPLATE = `kind: role
version: v1
metadata:
  name: dev
  description: Developers, on dev and staging databases
spec:
  allow:
    db_labels:
      env: [dev, staging]
    db_names: ['*']
    db_users: ['{{internal.db_users}}']
  deny: {}
  options:
    max_session_ttl: 8h
`;
