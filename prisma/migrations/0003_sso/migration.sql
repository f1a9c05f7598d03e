-- SSO: users created by a connector, connectors stored by the admin API, and sign-ins in
-- flight. Written by hand in the form `prisma migrate` would generate (see 0001_init);
-- packages/store/test/schema-agreement.test.ts checks it against prisma/schema.prisma.

-- AlterTable
ALTER TABLE "users" ADD COLUMN "sso_connector" TEXT;

-- CreateTable
CREATE TABLE "connectors" (
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "sealed_secret" TEXT,
    "updated_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "connectors_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "sso_requests" (
    "id" UUID NOT NULL,
    "state_hash" TEXT NOT NULL,
    "connector" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "binding_hash" TEXT,
    "next_path" TEXT NOT NULL DEFAULT '/',
    "nonce" TEXT,
    "code_verifier" TEXT,
    "saml_request_id" TEXT,
    "cli_redirect" TEXT,
    "cli_challenge" TEXT,
    "cli_csr" TEXT,
    "cli_ttl" TEXT,
    "cli_code_hash" TEXT,
    "user_id" UUID,
    "refusal" JSONB,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "exchanged_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sso_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sso_requests_state_hash_key" ON "sso_requests"("state_hash");

-- CreateIndex
CREATE UNIQUE INDEX "sso_requests_saml_request_id_key" ON "sso_requests"("saml_request_id");

-- CreateIndex
CREATE UNIQUE INDEX "sso_requests_cli_code_hash_key" ON "sso_requests"("cli_code_hash");

-- CreateIndex
CREATE INDEX "sso_requests_expires_at_idx" ON "sso_requests"("expires_at");

-- AddForeignKey
ALTER TABLE "sso_requests" ADD CONSTRAINT "sso_requests_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
