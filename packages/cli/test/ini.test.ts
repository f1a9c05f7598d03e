import { describe, expect, it } from 'vitest';
import { parseSections, removeSections, upsertSection } from '../src/db/ini';

describe('editing one section of an INI file', () => {
  const file = ['# my services', '[mine]', 'host=example.org', '', '# the next one is for staging', '[staging]', 'host=staging', ''].join('\n');

  it('appends a new section and keeps every other line as it was', () => {
    const out = upsertSection(file, 'postern-demo', ['host=localhost', 'port=3080']);
    expect(out).toBe(`${file}\n[postern-demo]\nhost=localhost\nport=3080\n`);
    expect(upsertSection('', 'a', ['x=1'])).toBe('[a]\nx=1\n');
    expect(upsertSection('[b]\ny=2', 'a', ['x=1'])).toBe('[b]\ny=2\n\n[a]\nx=1\n');
  });

  it('replaces a section in place, leaving the comment above the next header to it, and drops duplicates', () => {
    const out = upsertSection(`[mine]\nhost=old\n# about staging\n[staging]\nhost=s\n[mine]\nhost=dup\n`, 'mine', ['host=new']);
    expect(out).toBe('[mine]\nhost=new\n# about staging\n[staging]\nhost=s\n');
    expect(parseSections(out).get('mine')?.get('host')).toBe('new');
  });

  it('removes sections by name and content, and the blank line each leaves', () => {
    const withOurs = upsertSection(file, 'postern-demo', ['sslkey=/h/keys/db/demo.key']);
    expect(removeSections(withOurs, (name, e) => name === 'postern-demo' && e.get('sslkey') === '/h/keys/db/demo.key')).toBe(file);
    expect(removeSections(file, () => false)).toBe(file);
    expect(removeSections('[a]\nx=1\n\n[b]\ny=2\n', (n) => n === 'a')).toBe('[b]\ny=2\n');
  });
});
