import { describe, expect, it } from 'vitest';
import { reachableDatabasesHint, unknownDatabaseMessage } from '../src';

describe('unknownDatabaseMessage', () => {
  it('names the databases the person can reach', () => {
    expect(unknownDatabaseMessage('prod', ['demo', 'orders'])).toBe('unknown database "prod"; databases you can reach: demo, orders');
  });

  it('says none is registered for the roles, not that the roles allow none, when there is nothing to list', () => {
    // A role allowing every database still sees none once the last agent serving one is removed.
    expect(reachableDatabasesHint([])).toBe('no registered database is open to your roles');
    expect(unknownDatabaseMessage('demo', [])).toBe('unknown database "demo"; no registered database is open to your roles');
  });
});
