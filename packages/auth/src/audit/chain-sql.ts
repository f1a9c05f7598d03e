// The audit chain's two hashes as SQL, shared by the writer (record.ts) and the verifier
// (verify-chain.ts) so that both compute exactly what migration 0004_audit_chain defines:
//   digest = hex(sha256(rows in id order, each `id || ' ' || data::text`, joined by '\n'))
//   hash   = hex(sha256(prev_hash || ' ' || digest || ' ' || first_id || ' ' || last_id || ' ' || events))
// jsonb's text form is canonical (keys sorted, fixed spacing), so a digest recomputed from
// the stored rows matches the one written with them as long as no row changed.

/** The prev_hash of the first link. */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/**
 * Serializes writers of audit events (and so of the chain) across every replica on a shared
 * PostgreSQL: without it two batches could both link to the same head and fork the chain,
 * or interleave their ids. 'postern' in ASCII followed by 'a' (the migrations' key is
 * 'postern' alone, see packages/store/src/migrate.ts).
 */
export const AUDIT_CHAIN_LOCK_KEY = '8101821198418210401';

/** The digest over rows `alias` (with columns id and data), as an aggregate expression. */
export function digestSql(alias: string): string {
  return `encode(sha256(convert_to(coalesce(string_agg(${alias}.id::text || ' ' || ${alias}.data::text, E'\\n' order by ${alias}.id), ''), 'UTF8')), 'hex')`;
}

/** The hash of a link from its columns (SQL expressions). */
export function linkHashSql(prev: string, digest: string, firstId: string, lastId: string, events: string): string {
  return `encode(sha256(convert_to(${prev} || ' ' || ${digest} || ' ' || ${firstId}::text || ' ' || ${lastId}::text || ' ' || ${events}::text, 'UTF8')), 'hex')`;
}
