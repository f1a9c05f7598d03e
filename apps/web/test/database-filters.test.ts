import { describe, expect, it } from 'vitest';
import { filtersQuery, labelChoices, matchesFilters, readFilters, toggleLabel } from '../app/databases/database-filters';

const dbs: { name: string; protocol: string; labels: Record<string, string> }[] = [
  { name: 'orders', protocol: 'postgres', labels: { env: 'prod', team: 'shop' } },
  { name: 'orders-staging', protocol: 'postgres', labels: { env: 'staging', team: 'shop' } },
  { name: 'crm', protocol: 'mysql', labels: { env: 'prod', team: 'sales' } },
  { name: 'scratch', protocol: 'mysql', labels: {} },
];

const names = (f: ReturnType<typeof readFilters>) => dbs.filter((d) => matchesFilters(d, f)).map((d) => d.name);

describe('database filters', () => {
  it('reads the URL and writes it back the same way', () => {
    const f = readFilters(new URLSearchParams('q=%20ord%20&label=team:shop&label=env:prod&label=env:prod&label=junk'));
    expect(f).toEqual({ q: 'ord', labels: ['env:prod', 'team:shop'] });
    expect(filtersQuery(f)).toBe('?q=ord&label=env%3Aprod&label=team%3Ashop');
    expect(readFilters({ label: ['env:prod'], q: undefined })).toEqual({ q: '', labels: ['env:prod'] });
    expect(filtersQuery({ q: ' ', labels: [] })).toBe('');
  });

  it('matches the search on name, protocol and labels, every word', () => {
    expect(names({ q: 'ORD', labels: [] })).toEqual(['orders', 'orders-staging']);
    expect(names({ q: 'mysql', labels: [] })).toEqual(['crm', 'scratch']);
    expect(names({ q: 'team:sales', labels: [] })).toEqual(['crm']);
    expect(names({ q: 'orders staging', labels: [] })).toEqual(['orders-staging']);
    expect(names({ q: 'nothing', labels: [] })).toEqual([]);
  });

  it('ORs values of one label key and ANDs different keys', () => {
    expect(names({ q: '', labels: ['env:prod'] })).toEqual(['orders', 'crm']);
    expect(names({ q: '', labels: ['env:prod', 'env:staging'] })).toEqual(['orders', 'orders-staging', 'crm']);
    expect(names({ q: '', labels: ['env:prod', 'team:shop'] })).toEqual(['orders']);
    expect(names({ q: 'crm', labels: ['team:shop'] })).toEqual([]);
  });

  it('toggles a label and offers every label as a choice', () => {
    const on = toggleLabel({ q: '', labels: [] }, 'env:prod');
    expect(on.labels).toEqual(['env:prod']);
    expect(toggleLabel(on, 'env:prod').labels).toEqual([]);
    expect(labelChoices(dbs)).toEqual([
      ['env', ['prod', 'staging']],
      ['team', ['sales', 'shop']],
    ]);
  });
});
