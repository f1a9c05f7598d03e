-- The audit chain: a hash chain over the audit log, one link per stored batch, so that a
-- changed, removed or slipped-in event shows up in `postern audit verify` (docs/audit-chain.md).
-- Written by hand in the form `prisma migrate` would generate (see 0001_init);
-- packages/store/test/schema-agreement.test.ts checks it against prisma/schema.prisma.
--
-- A link covers the audit_events ids first_id..last_id (ids of other batches never fall in
-- between: writers take an advisory lock, see packages/auth/src/audit/record.ts), counts
-- them (events) and hashes them:
--   digest = hex(sha256(the rows in id order, each `id || ' ' || data::text`, joined by '\n'))
--   hash   = hex(sha256(prev_hash || ' ' || digest || ' ' || first_id || ' ' || last_id || ' ' || events))
-- with prev_hash the hash of the link before (64 zeros for the first). jsonb's text form is
-- canonical (keys sorted, fixed spacing), so the digest can be recomputed from what is stored.

-- CreateTable
CREATE TABLE "audit_chain" (
    "seq" BIGSERIAL NOT NULL,
    "first_id" BIGINT NOT NULL,
    "last_id" BIGINT NOT NULL,
    "events" INTEGER NOT NULL,
    "digest" TEXT NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_chain_pkey" PRIMARY KEY ("seq")
);

-- Append-only like audit_events (0001_init), for the same reason and with the same limit:
-- it guards against application bugs, not against the table's owner, who can disable
-- triggers; the chain itself, with a head hash written down elsewhere, is what catches that.
CREATE FUNCTION "postern_audit_chain_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_chain is append-only: % is not allowed', TG_OP
        USING HINT = 'Links of the audit chain are never changed or removed once written.';
END;
$$;

CREATE TRIGGER "audit_chain_append_only"
    BEFORE UPDATE OR DELETE ON "audit_chain"
    FOR EACH ROW EXECUTE FUNCTION "postern_audit_chain_append_only"();

CREATE TRIGGER "audit_chain_no_truncate"
    BEFORE TRUNCATE ON "audit_chain"
    FOR EACH STATEMENT EXECUTE FUNCTION "postern_audit_chain_append_only"();

-- Genesis: the events stored before this migration, in links of 10,000 (one link over
-- millions of rows would build one string of gigabytes), chained like the links to come.
DO $$
DECLARE
    prev TEXT := repeat('0', 64);
    b RECORD;
BEGIN
    FOR b IN
        SELECT min("id") AS first_id, max("id") AS last_id, count(*)::int AS events,
               encode(sha256(convert_to(string_agg("id"::text || ' ' || "data"::text, E'\n' ORDER BY "id"), 'UTF8')), 'hex') AS digest
          FROM (SELECT "id", "data", (row_number() OVER (ORDER BY "id") - 1) / 10000 AS chunk FROM "audit_events") AS t
         GROUP BY chunk
         ORDER BY chunk
    LOOP
        INSERT INTO "audit_chain" ("first_id", "last_id", "events", "digest", "prev_hash", "hash")
        VALUES (b.first_id, b.last_id, b.events, b.digest, prev,
                encode(sha256(convert_to(prev || ' ' || b.digest || ' ' || b.first_id || ' ' || b.last_id || ' ' || b.events, 'UTF8')), 'hex'))
        RETURNING "hash" INTO prev;
    END LOOP;
END;
$$;
