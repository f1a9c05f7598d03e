import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthApiError, AuthClient } from '../src/auth-client';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A stand-in Auth Service answering every request with one status and error body. */
async function answering(status: number, code: string, message: string): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code, message } }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('AuthClient', () => {
  it('tells its owner when any call is refused because the host was removed', async () => {
    const client = new AuthClient(await answering(403, 'host_removed', 'agent a (host h) was removed by admin'), null);
    let told = 0;
    client.onHostRemoved = () => told++;
    const err = await client.call('POST', '/agents/access', { user: 'alice', roles: [] }, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthApiError);
    expect(err).toMatchObject({ status: 403, code: 'host_removed', message: 'agent a (host h) was removed by admin' });
    expect(told).toBe(1);
    client.close();
  });

  it('does not for other refusals', async () => {
    const client = new AuthClient(await answering(403, 'forbidden', 'no'), null);
    let told = 0;
    client.onHostRemoved = () => told++;
    await expect(client.call('GET', '/x', undefined, null)).rejects.toMatchObject({ code: 'forbidden' });
    expect(told).toBe(0);
    client.close();
  });
});
