import { describe, expect, it } from 'vitest';
import { builtinRoles, parseRoleYaml, RbacError, roleToYaml } from '../src/index';

const INTERFACE_EXAMPLE = `kind: role
metadata: { name: dev }
spec:
  allow:
    db_labels: { env: [dev, staging] }   # '*': '*' for all
    db_names: ['*']
    db_users: [alice, '{{internal.db_users}}']
  deny: {}
  options: { max_session_ttl: 8h }
`;

function yamlError(text: string): RbacError {
  try {
    parseRoleYaml(text);
  } catch (err) {
    if (err instanceof RbacError) return err;
    throw err;
  }
  throw new Error('expected parseRoleYaml to throw');
}

describe('parseRoleYaml', () => {
  it('parses the example of INTERFACE.md', () => {
    const role = parseRoleYaml(INTERFACE_EXAMPLE);
    expect(role).toEqual({
      kind: 'role',
      metadata: { name: 'dev' },
      spec: {
        allow: { db_labels: { env: ['dev', 'staging'] }, db_names: ['*'], db_users: ['alice', '{{internal.db_users}}'] },
        deny: {},
        options: { max_session_ttl: '8h' },
      },
    });
  });

  it.each([
    ['an unclosed flow map', 'kind: role\nmetadata: { name: dev\nspec: {}\n', 'line 3'],
    ['a duplicate key', 'kind: role\nkind: role\nmetadata: { name: dev }\nspec: {}\n', 'line 2'],
    ['a tab used for indentation', 'kind: role\nmetadata:\n\tname: dev\nspec: {}\n', 'line 3, column 1: Tabs are not allowed'],
    ['an unterminated string', 'kind: role\nmetadata: { name: dev }\nspec: {}\n"unterminated\n', 'line 4'],
  ])('reports %s with its line', (_label, text, where) => {
    const err = yamlError(text);
    expect(err.code).toBe('role_invalid');
    expect(err.message).toMatch(/^invalid role YAML at line \d+, column \d+: /);
    expect(err.message).toContain(where);
    expect(err.message).not.toContain('\n');
  });

  it('refuses an empty document', () => {
    expect(yamlError('# nothing\n').message).toBe('invalid role YAML: the document is empty');
  });

  it('applies the schema after YAML parsing, naming the path', () => {
    const err = yamlError('kind: role\nmetadata: { name: dev }\nspec:\n  allow:\n    db_names: app\n');
    expect(err.message).toContain('spec.allow.db_names: expected array');
  });

  it('keeps YAML 1.1 booleans as text, so a label value "no" is not a boolean', () => {
    const role = parseRoleYaml('kind: role\nmetadata: { name: dev }\nspec: { allow: { db_labels: { legacy: no } } }\n');
    expect(role.spec.allow?.db_labels).toEqual({ legacy: 'no' });
  });
});

describe('roleToYaml', () => {
  it.each([
    ['admin', builtinRoles.admin],
    ['access', builtinRoles.access],
    ['the interface example', parseRoleYaml(INTERFACE_EXAMPLE)],
  ])('round-trips %s', (_label, role) => {
    const text = roleToYaml(role);
    expect(parseRoleYaml(text)).toEqual(role);
  });

  it('quotes wildcards and templates so YAML does not read them as aliases or maps', () => {
    const text = roleToYaml(builtinRoles.access);
    expect(text).toContain('"*": "*"');
    expect(text).toContain('"{{internal.db_users}}"');
  });
});
