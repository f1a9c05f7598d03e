-- Revoked hosts: removing an agent revokes its host id, so that its host certificate (valid
-- until it expires) is refused by the Auth Service and by proxies' tunnel servers; the
-- machine must join again with a new token, which gives it a new host id.
-- Written by hand in the form `prisma migrate` would generate (see 0001_init);
-- packages/store/test/schema-agreement.test.ts checks it against prisma/schema.prisma.

-- CreateTable
CREATE TABLE "revoked_hosts" (
    "host_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "revoked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_by" TEXT NOT NULL,

    CONSTRAINT "revoked_hosts_pkey" PRIMARY KEY ("host_id")
);
