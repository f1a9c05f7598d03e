import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, run } from '../src/index';

describe('run', () => {
  it('feeds input and collects both streams', async () => {
    const result = await run('sh', ['-c', 'cat; echo oops >&2'], { input: 'hello' });
    expect(result).toEqual({ code: 0, stdout: 'hello', stderr: 'oops\n' });
  });

  it('resolves with the exit code instead of rejecting', async () => {
    const result = await run('sh', ['-c', 'exit 3']);
    expect(result.code).toBe(3);
  });

  it('passes env and cwd', async () => {
    const result = await run('sh', ['-c', 'echo "$GREETING $(pwd)"'], { env: { GREETING: 'hi', PATH: process.env['PATH'] }, cwd: '/' });
    expect(result.stdout).toBe('hi /\n');
  });

  it('kills the process on timeout', async () => {
    const started = Date.now();
    const result = await run('sleep', ['10'], { timeoutMs: 200 });
    expect(result.code).toBeNull();
    expect(result.stderr).toMatch(/killed after 200 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects only when the command cannot start', async () => {
    await expect(run('/nonexistent/postern-no-such-tool', [])).rejects.toThrow(/cannot start/);
  });
});

describe('freePort', () => {
  it('returns a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
