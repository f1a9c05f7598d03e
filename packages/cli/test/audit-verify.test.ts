import { readFileSync } from 'node:fs';
import path from 'node:path';
import { auditVerifyStreamLine } from '@postern/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyText } from '../src/commands/audit';
import { api } from './helpers/api';
import { startCluster, type Cluster } from './helpers/cluster';

// `postern audit verify` against a running cluster: the chain its own events built verifies,
// with the count an export sees; a non-admin is refused with a message saying why. The CLI
// reads the streamed form (?progress=1), which ends in the very answer of the plain form.

describe('postern audit verify', () => {
  let c: Cluster;
  let admin: string;

  beforeAll(async () => {
    c = await startCluster();
    admin = c.newHome();
    const signed = await c.postern(['admin', 'users', 'sign', 'admin', '--out', admin, '--ttl', '1h', '--config', c.configFile]);
    expect(signed.code, signed.stderr).toBe(0);
    // Events in several batches: each command is a request of its own.
    for (const name of ['carol', 'dave', 'erin']) {
      const added = await c.postern(['admin', 'users', 'add', name, '--roles', 'access', '--config', c.configFile]);
      expect(added.code, added.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    expect(await c?.stop()).toBe(0);
  });

  const exported = async () => {
    const res = await c.postern(['audit', 'export'], { home: admin });
    expect(res.code, res.stderr).toBe(0);
    return res.stdout.trim().split('\n').filter(Boolean).length;
  };

  it('prints intact with the event count and the head hash, and exits 0', async () => {
    const before = await exported();
    expect(before).toBeGreaterThan(0);
    const json = await c.postern(['audit', 'verify', '--format', 'json'], { home: admin });
    expect(json.code, json.stderr).toBe(0);
    // Into a pipe, json keeps stderr quiet, as it always did.
    expect(json.stderr).toBe('');
    const res = JSON.parse(json.stdout) as { intact: boolean; events: number; batches: number; head: { hash: string; seq: number } };
    expect(res.intact).toBe(true);
    expect(res.events).toBeGreaterThanOrEqual(before);
    expect(res.events).toBeLessThanOrEqual(await exported());
    expect(res.events).toBeGreaterThanOrEqual(4);
    expect(res.batches).toBeGreaterThanOrEqual(4);
    expect(res.head.hash).toMatch(/^[0-9a-f]{64}$/);

    const text = await c.postern(['audit', 'verify'], { home: admin });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/Verifying the audit chain/);
    // Not a terminal: plain lines, no redrawing.
    expect(text.stderr).not.toContain('\r');
    expect(text.stderr).not.toContain('\x1b');
    const m = /The audit chain is intact: (\d+) events in (\d+) batches, from \S+ to \S+\./.exec(text.stdout);
    expect(m, text.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(res.events);
    expect(text.stdout).toMatch(/^Head: {3}[0-9a-f]{64} \(batch \d+, written /m);

    // The head written down earlier is an anchor now.
    const anchored = await c.postern(['audit', 'verify', '--anchor', res.head.hash], { home: admin });
    expect(anchored.code, anchored.stderr).toBe(0);
    expect(anchored.stdout).toContain(`Anchor: ${res.head.hash} is batch ${res.head.seq}`);
    const missing = await c.postern(['audit', 'verify', '--anchor', 'ab'.repeat(32)], { home: admin });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/postern: the audit chain does not contain the anchor abab/);
    const bad = await c.postern(['audit', 'verify', '--anchor', 'xyz'], { home: admin });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--anchor: the 64-hex-digit head hash/);
  });

  it('streams progress with ?progress=1 and ends with the answer of the plain form', async () => {
    const token = (JSON.parse(readFileSync(path.join(admin, 'profile.json'), 'utf8')) as { session_token: string }).session_token;
    const auth = { authorization: `Bearer ${token}` };
    const plain = await api(c.url, 'GET', '/audit/verify', undefined, auth);
    expect(plain.status).toBe(200);
    expect(plain.json.intact).toBe(true);

    const res = await fetch(`${c.url}/api/v1/audit/verify?progress=1`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => auditVerifyStreamLine.parse(JSON.parse(l)));
    expect(lines[0]).toEqual({ progress: { batches: 0, events: 0, total_batches: plain.json.batches, total_events: plain.json.events } });
    expect(lines.slice(0, -1).every((l) => 'progress' in l)).toBe(true);
    expect(lines.at(-1)).toEqual({ result: plain.json });

    // Bad input is refused before any stream, as a plain HTTP error.
    const bad = await api(c.url, 'GET', '/audit/verify?progress=1&anchor=xyz', undefined, auth);
    expect(bad).toMatchObject({ status: 400, json: { error: { code: 'invalid_request', message: expect.stringMatching(/64-hex-digit head hash/) } } });
    const badProgress = await api(c.url, 'GET', '/audit/verify?progress=yes', undefined, auth);
    expect(badProgress).toMatchObject({ status: 400, json: { error: { message: expect.stringMatching(/progress is 1/) } } });
  });

  it('refuses a user whose roles do not allow verify on audit, with a 403 that says so', async () => {
    const added = await c.postern(['admin', 'users', 'add', 'bob', '--roles', 'access', '--config', c.configFile]);
    expect(added.code, added.stderr).toBe(0);
    const bob = c.newHome();
    const signed = await c.postern(['admin', 'users', 'sign', 'bob', '--out', bob, '--ttl', '1h', '--config', c.configFile]);
    expect(signed.code, signed.stderr).toBe(0);
    const denied = await c.postern(['audit', 'verify'], { home: bob });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/postern: access denied: your roles \(access\) do not allow verify on audit/);
    expect(denied.stdout).toBe('');

    // The API answers 403 with the same message; without a session, 401.
    const token = (JSON.parse(readFileSync(path.join(bob, 'profile.json'), 'utf8')) as { session_token: string }).session_token;
    const forbidden = await api(c.url, 'GET', '/audit/verify', undefined, { authorization: `Bearer ${token}` });
    expect(forbidden).toMatchObject({ status: 403, json: { error: { code: 'forbidden', message: expect.stringMatching(/do not allow verify on audit/) } } });
    expect((await api(c.url, 'GET', '/audit/verify')).status).toBe(401);
    // The streamed form refuses the same way, before it streams.
    const streamed = await api(c.url, 'GET', '/audit/verify?progress=1', undefined, { authorization: `Bearer ${token}` });
    expect(streamed).toMatchObject({ status: 403, json: { error: { code: 'forbidden' } } });
  });

  it('has --help', async () => {
    const help = await c.postern(['audit', 'verify', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--format <format>/);
    expect(help.stdout).toMatch(/--anchor <hash>/);
    expect(help.stdout).toMatch(/Exits 0 when the chain is intact, 1 when it is broken/);
  });
});

describe('verify output for a broken chain', () => {
  it('names the batch, what mismatched and what was checked before it', () => {
    const text = verifyText({
      intact: false,
      events: 8,
      batches: 2,
      first_event_time: '2026-05-01T12:00:00.000Z',
      last_event_time: '2026-05-01T12:01:00.000Z',
      head: { seq: 2, hash: 'c'.repeat(64), last_id: '8', written_at: '2026-05-01T12:01:01.000Z' },
      problem: {
        kind: 'event_changed',
        message: 'an event of batch 3 (event ids 9–20, 12 events written 2026-05-01T12:02:01.000Z) was changed',
        seq: 3,
        first_id: '9',
        last_id: '20',
        events_stored: 12,
        events_found: 12,
        first_time: '2026-05-01T12:02:00.000Z',
        last_time: '2026-05-01T12:02:11.000Z',
        written_at: '2026-05-01T12:02:01.000Z',
      },
    });
    expect(text).toContain('The audit chain is BROKEN.');
    expect(text).toContain('an event of batch 3 (event ids 9–20');
    expect(text).toContain('Batch:  3 (event ids 9–20, 12 events written 2026-05-01T12:02:01.000Z)');
    expect(text).toContain('Found:  12 events, from 2026-05-01T12:02:00.000Z to 2026-05-01T12:02:11.000Z');
    expect(text).toContain('Checked before it: 8 events in 2 batches');
    expect(text).not.toContain('Keep the head hash');
  });
});
