import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AUDIT_EVENT_NAMES, EVENT_CODES, SSO_LOGIN_CODES, parseAuditEvent } from '../src/index';

// docs/audit-events.md is what people and scripts read; keep it true to the schema.
const doc = readFileSync(fileURLToPath(new URL('../../../docs/audit-events.md', import.meta.url)), 'utf8');
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? '') as unknown);

describe('docs/audit-events.md', () => {
  it('has one valid example per event', () => {
    const names = examples.map((example) => parseAuditEvent(example).event);
    expect([...names].sort()).toEqual([...AUDIT_EVENT_NAMES].sort());
  });

  it.each(AUDIT_EVENT_NAMES)('documents %s with a heading and its codes', (name) => {
    expect(doc).toContain(`### \`${name}\``);
    const codes = EVENT_CODES[name];
    expect(doc).toContain(`\`${codes.success}\``);
    if (codes.failure) expect(doc).toContain(`\`${codes.failure}\``);
  });

  it('documents the SSO login codes', () => {
    expect(doc).toContain(`\`${SSO_LOGIN_CODES.success}\``);
    expect(doc).toContain(`\`${SSO_LOGIN_CODES.failure ?? ''}\``);
  });
});
