import { loadConfig, parseConfig } from '@postern/config';
import { describe, expect, it } from 'vitest';
import { databaseSummaryLines, planDemoDatabase } from '../src/start/demo-database';

const shop = { name: 'shop', protocol: 'mysql', uri: '127.0.0.1:3306' } as const;

describe('the quickstart demo database', () => {
  it('runs with the embedded default, next to the databases the environment lists', () => {
    const { config } = loadConfig({ env: { POSTERN_AGENT_DATABASES: JSON.stringify([shop]) } });
    expect(planDemoDatabase(config)).toEqual({ start: true });
  });

  it('runs with a config file only when the file asks for it', () => {
    expect(planDemoDatabase(parseConfig({ agent: { databases: [shop] } }))).toEqual({ start: false });
    expect(planDemoDatabase(parseConfig({ agent: { demo_database: false } }))).toEqual({ start: false });
    expect(planDemoDatabase(parseConfig({ agent: { demo_database: true, databases: [shop] } }))).toEqual({ start: true });
  });

  it('says why it is not started when a database is already called demo', () => {
    const plan = planDemoDatabase(parseConfig({ agent: { demo_database: true, databases: [{ ...shop, name: 'demo' }] } }));
    expect(plan).toEqual({ start: false, reason: expect.stringMatching(/a database named "demo" is configured already/) as unknown });
  });

  it('says why it is not started when web or the agent runs elsewhere', () => {
    const elsewhere = [parseConfig({ web: { enabled: false }, agent: { demo_database: true } }), parseConfig({ agent: { enabled: false, demo_database: true } })];
    for (const config of elsewhere) {
      expect(planDemoDatabase(config)).toEqual({ start: false, reason: expect.stringMatching(/only when web and agent run in the same process/) as unknown });
    }
  });

  it('lists the configured databases and the demo in the start-up summary', () => {
    const orders = { name: 'orders', protocol: 'postgres', uri: '10.0.0.5:5432' } as const;
    expect(databaseSummaryLines([shop, orders], '127.0.0.1:41000')).toEqual([
      '  Databases:      shop (MySQL at 127.0.0.1:3306): postern db connect shop --db-user USER --db-name DB',
      '                  orders (PostgreSQL at 10.0.0.5:5432): postern db connect orders --db-user USER --db-name DB',
      '  Demo database:  demo (PostgreSQL at 127.0.0.1:41000): postern db connect demo --db-user postgres --db-name demo',
    ]);
    expect(databaseSummaryLines([], undefined)).toEqual([]);
  });
});
