import type { PrismaClient } from './generated/prisma/client';

export interface Store {
  prisma: PrismaClient;
  kind: 'pglite' | 'postgres';
  /** Migrations this open applied, in order; empty when the schema was already current. */
  migrationsApplied: string[];
  /** Disconnects and, for PGlite, releases the data dir; safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** postgres://… for a shared PostgreSQL; empty or absent for PGlite in dataDir. */
  url?: string;
  /** Postern's data directory; PGlite keeps its data in `<dataDir>/store`. */
  dataDir: string;
  /** Where the migration folders are; the repository's prisma/migrations by default. */
  migrationsDir?: string;
  /** How often the embedded store's maintenance looks (default 10 s); tests make it busy. */
  pgliteMaintenanceIntervalMs?: number;
}

/** Runs fn once; later calls get the first call's promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
