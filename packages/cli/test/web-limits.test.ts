import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './helpers/cluster';
import { callWithCookie, newWebUser, type WebSession } from './helpers/web-session';

// Requests that cost the server more than the caller are counted (packages/auth/src/limits):
// starting an SSO sign-in needs no credentials and stores a row; a bundle makes a private
// key. Past the limit the caller gets 429 with Retry-After and a message saying when to
// come back, and others are not affected.

const PASSWORD = 'correct horse battery staple';

describe('request limits of the web API', () => {
  let c: Cluster;
  let alice: WebSession;

  beforeAll(async () => {
    c = await startCluster({ auth: { second_factor: 'off' } });
    alice = await newWebUser(c, 'alice', ['access'], PASSWORD);
  });

  afterAll(async () => {
    await c?.stop();
  });

  /** POST /sso/<name>/cli as `postern login --auth` sends it, from `addr` (X-Forwarded-For, believed from loopback). */
  const startCliSignIn = (addr: string) =>
    fetch(`${c.url}/api/v1/sso/nope/cli`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': addr },
      body: JSON.stringify({ redirect_url: 'http://127.0.0.1:9/callback', code_challenge: 'x'.repeat(43), csr: 'not a csr' }),
    });

  it('answers 429 with Retry-After once one address has started 20 sign-ins in a minute, and only for that address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await startCliSignIn('198.51.100.7')).status);
    // Counted before the connector is looked up: these are refused (there is no connector
    // "nope"), but each was a sign-in started all the same.
    expect(statuses.every((s) => s !== 429)).toBe(true);
    const limited = await startCliSignIn('198.51.100.7');
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toMatch(/^too many sign-ins started from 198\.51\.100\.7; try again in \d+ s$/);
    // Someone else is still served.
    expect((await startCliSignIn('198.51.100.8')).status).not.toBe(429);
  });

  it('sends a browser that started too many sign-ins back to the sign-in page with the reason', async () => {
    for (let i = 0; i < 20; i++) await fetch(`${c.url}/api/v1/sso/nope/login`, { headers: { 'x-forwarded-for': '203.0.113.9' }, redirect: 'manual' });
    const res = await fetch(`${c.url}/api/v1/sso/nope/login`, { headers: { 'x-forwarded-for': '203.0.113.9' }, redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') ?? '', c.url);
    expect(location.pathname).toBe('/login');
    expect(location.searchParams.get('error')).toMatch(/^too many sign-ins started from 203\.0\.113\.9; try again in \d+ s$/);
  });

  it('answers 429 to a user past 10 bundles a minute', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await callWithCookie(c, alice, 'POST', '/databases/nowhere/bundle', { db_user: 'alice', db_name: 'app' })).status);
    // No such database: refused, but a key could have been asked for, so it counts.
    expect(statuses.every((s) => s === 404 || s === 403)).toBe(true);
    const limited = await callWithCookie(c, alice, 'POST', '/databases/nowhere/bundle', { db_user: 'alice', db_name: 'app' });
    expect(limited.status).toBe(429);
    expect(limited.json.error.message).toMatch(/^too many connection bundles downloaded by alice; try again in \d+ s$/);
  });
});
