import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditBatcher } from '@postern/audit';
import { openStore, type Store } from '@postern/store';
import { startPostgres } from '@postern/testing';
import { storeAuditSink } from '../../src/audit/record';
import type { AuditReader } from '../../src/audit/search-events';

// A fresh, migrated store on each backend with the audit writer of the Auth Service in
// front of it: what the audit search reads, without CAs, users or HTTP.

export interface AuditStore {
  store: Store;
  reader: AuditReader;
  audit: AuditBatcher;
  /** postgres://… of the store on PostgreSQL, for a second replica on the same database. */
  url?: string;
  cleanup(): Promise<void>;
}

export interface AuditBackend {
  name: 'pglite' | 'postgres';
  open(): Promise<AuditStore>;
}

async function withAudit(store: Store, cleanup: () => Promise<void>, url?: string): Promise<AuditStore> {
  const audit = new AuditBatcher(storeAuditSink(store), { maxBatch: 5_000 });
  return {
    store,
    ...(url ? { url } : {}),
    audit,
    reader: { store, audit },
    async cleanup() {
      try {
        await audit.close();
        await store.close();
      } finally {
        await cleanup();
      }
    },
  };
}

export const auditBackends: AuditBackend[] = [
  {
    name: 'pglite',
    async open() {
      const dataDir = await mkdtemp(join(tmpdir(), 'postern-audit-'));
      return withAudit(await openStore({ dataDir }), () => rm(dataDir, { recursive: true, force: true }));
    },
  },
  {
    name: 'postgres',
    async open() {
      const server = await startPostgres();
      const dataDir = await mkdtemp(join(tmpdir(), 'postern-audit-'));
      const stop = async () => {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      };
      try {
        await server.query('create database postern_store');
        const url = server.superuserUrl.replace(/\/postgres$/, '/postern_store');
        const store = await openStore({ url, dataDir });
        return withAudit(store, stop, url);
      } catch (err) {
        await stop();
        throw err;
      }
    },
  },
];
