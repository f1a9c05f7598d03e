import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AuditVerifyResponse } from '@postern/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyProgressText, verifyText } from '../src/commands/audit';
import { ProgressLine, progressMode } from '../src/progress-line';
import { POSTERN_BIN } from './helpers/cluster';

// The progress of `postern audit verify`: how a progress line reads, how often it shows on a
// terminal and in a log (a fake clock), and the real CLI against a server that streams
// progress and then a result, an error line, or nothing: stdout as before, and never a
// success that the server did not finish.

describe('verify progress text', () => {
  it('says events and batches checked of the totals, with the share of events', () => {
    expect(verifyProgressText({ events: 120_000, batches: 1_200, total_events: 1_000_000, total_batches: 10_000 })).toBe(
      'Verifying the audit chain: 12 % (120,000 of 1,000,000 events in 1,200 of 10,000 batches)…',
    );
    // A genesis batch holds 10,000 events: the share follows the events, where the time goes.
    expect(verifyProgressText({ events: 10_000, batches: 1, total_events: 20_100, total_batches: 101 })).toMatch(/: 49 % \(/);
  });

  it('never passes 100 % when batches were written while it ran, and says little for an empty chain', () => {
    expect(verifyProgressText({ events: 130, batches: 12, total_events: 100, total_batches: 10 })).toBe(
      'Verifying the audit chain: 100 % (130 of 130 events in 12 of 12 batches)…',
    );
    expect(verifyProgressText({ events: 0, batches: 0, total_events: 0, total_batches: 0 })).toBe('Verifying the audit chain…');
  });
});

describe('progress line', () => {
  const sink = (columns?: number) => {
    const out = { text: '', columns, write: (s: string) => (out.text += s) };
    return out;
  };

  it('picks the terminal, plain or nothing', () => {
    expect(progressMode({ isTTY: true }, true)).toBe('tty');
    expect(progressMode({ isTTY: false }, false)).toBe('plain');
    expect(progressMode({}, true)).toBe('off');
  });

  it('on a terminal, redraws one line in place and removes it at the end', () => {
    const out = sink(40);
    const line = new ProgressLine(out, { mode: 'tty' });
    line.start('Verifying…');
    line.update('10 %');
    line.update('10 %');
    line.update('x'.repeat(60));
    line.done();
    expect(out.text).toBe(`\r\x1b[KVerifying…\r\x1b[K10 %\r\x1b[K${'x'.repeat(38)}…\r\x1b[K`);
    expect(out.text).not.toContain('\n');
  });

  it('in a log, writes a line at most every 10 s', () => {
    let t = 1_000_000;
    const out = sink();
    const line = new ProgressLine(out, { mode: 'plain', now: () => t });
    line.start('Verifying…');
    for (let i = 1; i <= 50; i++) {
      t += 500;
      line.update(`${i * 500} ms`);
    }
    line.done();
    // 25 s of updates every 500 ms: one line at 10 s, one at 20 s.
    expect(out.text).toBe('Verifying…\n10000 ms\n20000 ms\n');
  });

  it('writes nothing when off', () => {
    const out = sink();
    const line = new ProgressLine(out, { mode: 'off' });
    line.start('Verifying…');
    line.update('50 %');
    line.done();
    expect(out.text).toBe('');
  });
});

/** What the fake server answers to GET /api/v1/audit/verify: lines written with pauses between. */
type Script = { status?: number; type?: string; steps: ({ line: unknown } | { bytes: Uint8Array } | { waitMs: number } | 'cut')[] };

describe('postern audit verify against a streaming server', () => {
  const result: AuditVerifyResponse = {
    intact: true,
    events: 12,
    batches: 3,
    first_event_time: '2026-05-01T12:00:00.000Z',
    last_event_time: '2026-05-01T12:03:00.000Z',
    head: { seq: 3, hash: 'c'.repeat(64), last_id: '12', written_at: '2026-05-01T12:03:01.000Z' },
  };
  const progress = (batches: number, events: number) => ({ line: { progress: { batches, events, total_batches: 3, total_events: 12 } } });

  let server: http.Server;
  let root: string;
  let home: string;
  let script: Script = { steps: [] };
  const requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      void (async () => {
        res.writeHead(script.status ?? 200, { 'content-type': script.type ?? 'application/x-ndjson' });
        for (const step of script.steps) {
          if (step === 'cut') return res.socket?.destroy();
          if ('waitMs' in step) await new Promise((r) => setTimeout(r, step.waitMs));
          else res.write('bytes' in step ? step.bytes : `${JSON.stringify(step.line)}\n`);
        }
        res.end();
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    root = mkdtempSync(path.join(os.tmpdir(), 'postern-verify-progress-'));
    home = path.join(root, 'home');
    const { port } = server.address() as AddressInfo;
    const expires = new Date(Date.now() + 3600_000).toISOString();
    const profile = { proxy: `http://127.0.0.1:${port}`, user: 'admin', roles: ['admin'], cluster_name: 'test', session_token: 'pst_test', expires };
    mkdirSync(home, { recursive: true });
    writeFileSync(path.join(home, 'profile.json'), JSON.stringify(profile));
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** The real CLI, its stderr a pipe (not a terminal), as in a log or CI. */
  const verify = (args: string[] = []) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [POSTERN_BIN, 'audit', 'verify', ...args], {
        env: { ...process.env, POSTERN_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('asks for the streamed form and prints the result exactly as before, without progress into a pipe', async () => {
    script = { steps: [progress(0, 0), progress(1, 7), progress(2, 9), { line: { result } }] };
    requests.length = 0;
    const text = await verify();
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(`${verifyText(result)}\n`);
    // Short: only the line saying it started, and no terminal control characters.
    expect(text.stderr).toBe('Verifying the audit chain (a large log takes a while)…\n');
    expect(requests).toEqual(['/api/v1/audit/verify?progress=1']);

    const json = await verify(['--format', 'json', '--anchor', 'AB'.repeat(32)]);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toBe(`${JSON.stringify(result, null, 2)}\n`);
    expect(json.stderr).toBe('');
    expect(requests[1]).toBe(`/api/v1/audit/verify?progress=1&anchor=${'ab'.repeat(32)}`);
  });

  it('takes a result split across writes, a multi-byte character cut in two included', async () => {
    const broken: AuditVerifyResponse = {
      intact: false,
      events: 0,
      batches: 0,
      problem: { kind: 'event_changed', message: 'an event of batch 1 (event ids 1–3) was changed' },
    };
    const whole = Buffer.from(`${JSON.stringify({ result: broken })}\n`);
    const cut = whole.indexOf(Buffer.from('–')) + 1;
    // The dash is three bytes in UTF-8: the first write ends inside it.
    script = { steps: [{ bytes: whole.subarray(0, cut) }, { waitMs: 50 }, { bytes: whole.subarray(cut) }] };
    const out = await verify(['--format', 'json']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual(broken);
    expect(out.stderr).toBe('postern: the audit chain is broken: an event of batch 1 (event ids 1–3) was changed\n');
  });

  it('fails with the server’s message when the check fails midway, printing no result', async () => {
    script = {
      steps: [progress(0, 0), progress(1, 7), { line: { error: { code: 'internal', message: 'the audit chain check failed after 7 events in 1 batches (error 1234)' } } }],
    };
    const out = await verify();
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/postern: the audit chain could not be checked to the end: the audit chain check failed after 7 events in 1 batches \(error 1234\)\n$/);
  });

  it('fails when the answer ends without a result, or is cut off', async () => {
    script = { steps: [progress(0, 0), progress(1, 7)] };
    const ended = await verify(['--format', 'json']);
    expect(ended.code).toBe(1);
    expect(ended.stdout).toBe('');
    expect(ended.stderr).toMatch(/postern: the answer from http:\/\/127\.0\.0\.1:\d+ ended before the check did, without a result/);

    script = { steps: [progress(0, 0), { waitMs: 50 }, 'cut'] };
    const cut = await verify();
    expect(cut.code).toBe(1);
    expect(cut.stdout).toBe('');
    expect(cut.stderr).toMatch(/postern: the answer from http:\/\/127\.0\.0\.1:\d+ was cut off/);
  });

  it('reports an HTTP error of the server, e.g. a refusal before the stream', async () => {
    script = { status: 403, type: 'application/json', steps: [{ line: { error: { code: 'forbidden', message: 'access denied: your roles (access) do not allow verify on audit' } } }] };
    const out = await verify();
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/postern: access denied: your roles \(access\) do not allow verify on audit\n$/);
  });

  it('in a log, shows a progress line when the check takes longer than 10 s', { timeout: 40_000 }, async () => {
    script = { steps: [progress(0, 0), progress(1, 7), { waitMs: 10_500 }, progress(2, 9), { line: { result } }] };
    const out = await verify();
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`${verifyText(result)}\n`);
    expect(out.stderr).toBe(
      'Verifying the audit chain (a large log takes a while)…\nVerifying the audit chain: 75 % (9 of 12 events in 2 of 3 batches)…\n',
    );
  });
});
