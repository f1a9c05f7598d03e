import { describe, expect, it } from 'vitest';
import { agentConfigYaml } from '../app/admin/tokens/agent-config';
import { parseTraits } from '../app/admin/users/parse-traits';
import { formatGap, timeAgo } from '../lib/relative-time';
import { parse } from 'yaml';

describe('add-user traits box', () => {
  it('reads one trait per line, with ":" or "=", skipping blanks and comments', () => {
    expect(parseTraits('db_users: alice, app\n\n# note\ndb_names=app\ndb_users: reports')).toEqual({
      db_users: ['alice', 'app', 'reports'],
      db_names: ['app'],
    });
    expect(parseTraits('')).toEqual({});
  });

  it('names the line it cannot read', () => {
    expect(() => parseTraits('db_users: a\nnot a trait')).toThrow('traits, line 2: "not a trait" is not NAME: VALUE1, VALUE2');
  });
});

describe('agent join config', () => {
  it('is a postern.yaml that runs only the agent, with the token and the CA pin', () => {
    const config = parse(agentConfigYaml({ clusterName: 'prod', proxyAddr: 'postern.example:3080', token: 'pjt_abc', caPin: 'sha256:00ff' }));
    expect(config).toMatchObject({
      cluster_name: 'prod',
      web: { enabled: false },
      proxy: { enabled: false },
      agent: { enabled: true, proxy_addr: 'postern.example:3080', join_token: 'pjt_abc', ca_pin: 'sha256:00ff' },
    });
    expect(config.agent.databases[0]).toMatchObject({ protocol: 'postgres', uri: '127.0.0.1:5432' });
  });
});

describe('times', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  it('says how long ago a heartbeat was', () => {
    expect(timeAgo(null, now)).toBe('never');
    expect(timeAgo('2026-11-21T11:59:59.500Z', now)).toBe('just now');
    expect(timeAgo('2026-11-21T11:59:15Z', now)).toBe('45 s ago');
    expect(timeAgo('2026-11-21T09:00:00Z', now)).toBe('3 h ago');
    expect(timeAgo('2026-11-19T12:00:00Z', now)).toBe('2 d ago');
  });

  it('formats gaps between session events', () => {
    expect(formatGap(12.4)).toBe('12 ms');
    expect(formatGap(3_400)).toBe('3.4 s');
    expect(formatGap(125_000)).toBe('2 min 5 s');
    expect(formatGap(3 * 3600_000 + 60_000)).toBe('3 h 1 min');
  });
});
