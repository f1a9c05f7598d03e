import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '@postern/testing';
import { openStore } from '../../src/index';
import type { Store } from '../../src/index';

// The two places the store can live. Tests that must hold for both run describe.each over
// these; each open() gives a fresh, fully migrated store of its own.

export interface OpenedStore {
  store: Store;
  dataDir: string;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: 'pglite' | 'postgres';
  open(): Promise<OpenedStore>;
}

export function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'postern-store-'));
}

export const pglite: Backend = {
  name: 'pglite',
  async open() {
    const dataDir = await tempDataDir();
    const store = await openStore({ dataDir });
    return {
      store,
      dataDir,
      async cleanup() {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

export const postgres: Backend = {
  name: 'postgres',
  async open() {
    const server = await startPostgres();
    const dataDir = await tempDataDir();
    try {
      await server.query('create database postern_store');
      const url = server.superuserUrl.replace(/\/postgres$/, '/postern_store');
      const store = await openStore({ url, dataDir });
      return {
        store,
        dataDir,
        async cleanup() {
          try {
            await store.close();
          } finally {
            await server.stop();
            await rm(dataDir, { recursive: true, force: true });
          }
        },
      };
    } catch (err) {
      await server.stop();
      throw err;
    }
  },
};

export const backends: Backend[] = [pglite, postgres];
