import { describe, expect, it } from 'vitest';
import { builtinRoles, consoleLimits, parseRole, parseRoleYaml, RbacError } from '../src/index';

const withOptions = (name: string, options: Record<string, unknown>) => parseRole({ kind: 'role', metadata: { name }, spec: { options } });

describe('console limits', () => {
  it('are absent unless a role sets them', () => {
    expect(consoleLimits([builtinRoles.admin, builtinRoles.access])).toEqual({ readOnly: false });
  });

  it('take the strictest value across roles', () => {
    const limits = consoleLimits([
      withOptions('a', { console_max_rows: 5000, console_max_statement_duration: '5m' }),
      withOptions('b', { console_max_rows: 100, console_max_statement_duration: '30s', console_read_only: false }),
      withOptions('c', { console_read_only: true }),
      builtinRoles.admin,
    ]);
    expect(limits).toEqual({ maxRows: 100, maxStatementMs: 30_000, readOnly: true });
  });

  it('a role cannot lift read-only set by another', () => {
    expect(consoleLimits([withOptions('ro', { console_read_only: true }), withOptions('rw', { console_read_only: false })]).readOnly).toBe(true);
  });

  it('are validated in role documents', () => {
    const yaml = (options: string) => `kind: role\nmetadata: { name: x }\nspec:\n  options: { ${options} }\n`;
    expect(() => parseRoleYaml(yaml('console_max_rows: 0'))).toThrow(RbacError);
    expect(() => parseRoleYaml(yaml('console_max_rows: 1.5'))).toThrow(/whole number/);
    expect(() => parseRoleYaml(yaml('console_max_statement_duration: 10 minutes'))).toThrow(/invalid duration/);
    expect(() => parseRoleYaml(yaml('console_read_only: yes please'))).toThrow(/true or false/);
    expect(() => parseRoleYaml(yaml('console_readonly: true'))).toThrow(RbacError);
    expect(parseRoleYaml(yaml('console_max_rows: 10, console_max_statement_duration: 1m, console_read_only: true')).spec.options).toEqual({
      console_max_rows: 10,
      console_max_statement_duration: '1m',
      console_read_only: true,
    });
  });
});
