import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@postern/config';
import { startPostgres } from '@postern/testing';
import { AuthService } from '../../src/service';

// Auth Services opened as `postern start` opens them, on each store backend: one on a PGlite
// data dir (which admits one process), or several replicas on one PostgreSQL database with
// a shared master key and a data dir each, as replicas behind a load balancer run.

export interface AuthCluster {
  /** The first replica; on PGlite the only one. */
  auth: AuthService;
  /** Another replica on the same store; undefined on PGlite. */
  openReplica?: () => Promise<AuthService>;
  cleanup(): Promise<void>;
}

export interface AuthBackend {
  name: 'pglite' | 'postgres';
  open(now: () => Date): Promise<AuthCluster>;
}

function openAuth(dataDir: string, env: Record<string, string>, now: () => Date): Promise<AuthService> {
  return AuthService.open(loadConfig({ dataDir, env }), { internalUrl: 'http://127.0.0.1:1', publicUrl: 'https://localhost:3080', env, now });
}

export const authBackends: AuthBackend[] = [
  {
    name: 'pglite',
    async open(now) {
      const dataDir = await mkdtemp(join(tmpdir(), 'postern-auth-'));
      try {
        const auth = await openAuth(dataDir, {}, now);
        return {
          auth,
          async cleanup() {
            try {
              await auth.close();
            } finally {
              await rm(dataDir, { recursive: true, force: true });
            }
          },
        };
      } catch (err) {
        await rm(dataDir, { recursive: true, force: true });
        throw err;
      }
    },
  },
  {
    name: 'postgres',
    async open(now) {
      const server = await startPostgres();
      const opened: AuthService[] = [];
      const dirs: string[] = [];
      const cleanup = async () => {
        try {
          for (const auth of opened) await auth.close();
        } finally {
          await server.stop();
          for (const dir of dirs) await rm(dir, { recursive: true, force: true });
        }
      };
      try {
        await server.query('create database postern_store');
        const env = {
          POSTERN_DATABASE_URL: server.superuserUrl.replace(/\/postgres$/, '/postern_store'),
          POSTERN_MASTER_KEY: randomBytes(32).toString('base64'),
        };
        const openReplica = async () => {
          const dataDir = await mkdtemp(join(tmpdir(), 'postern-auth-'));
          dirs.push(dataDir);
          const auth = await openAuth(dataDir, env, now);
          opened.push(auth);
          return auth;
        };
        return { auth: await openReplica(), openReplica, cleanup };
      } catch (err) {
        await cleanup();
        throw err;
      }
    },
  },
];
