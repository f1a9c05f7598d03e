import { signHostRequest } from '@postern/api';
import { createCsr, generateKeyPair, type KeyPair } from '@postern/pki';
import { expect } from 'vitest';
import { api } from './api';
import type { Cluster } from './cluster';

export interface JoinedAgent {
  key: KeyPair;
  certPem: string;
  hostId: string;
  call(method: string, p: string, body: unknown): ReturnType<typeof api>;
}

/** An agent as the Auth Service sees it: joined with a token, calling with signed requests. */
export async function joinAgent(c: Cluster, token: string, name = 'agent-1'): Promise<JoinedAgent> {
  const key = await generateKeyPair();
  const joined = await api(c.url, 'POST', '/join', { token, csr: createCsr(key, name), hostname: name, role: 'agent' });
  expect(joined.status, JSON.stringify(joined.json)).toBe(200);
  const certPem = joined.json.certificate as string;
  return {
    key,
    certPem,
    hostId: joined.json.host_id as string,
    call(method, p, body) {
      const text = JSON.stringify(body);
      const authorization = signHostRequest({ certPem, privateKeyPem: key.privateKeyPem, method, path: `/api/v1${p}`, body: text });
      return api(c.url, method, p, text, { 'content-type': 'application/json', authorization });
    },
  };
}

export async function newJoinToken(c: Cluster): Promise<string> {
  const tok = await c.postern(['admin', 'tokens', 'add', '--type', 'agent', '--format', 'json', '--config', c.configFile]);
  expect(tok.code, tok.stderr).toBe(0);
  return (JSON.parse(tok.stdout) as { token: string }).token;
}

/**
 * The config of an agent that runs as a process of its own (for startPosternProcess): no
 * web, no proxy, joined with a new token, dialling the cluster's proxy, serving `databases`.
 */
export async function agentProcessConfig(c: Cluster, proxyPort: number, databases: Record<string, unknown>[]): Promise<Record<string, unknown>> {
  return {
    cluster_name: 'test',
    data_dir: `${c.root}/agent-data`,
    web: { enabled: false },
    proxy: { enabled: false },
    agent: { enabled: true, proxy_addr: `localhost:${proxyPort}`, join_token: await newJoinToken(c), databases },
  };
}
