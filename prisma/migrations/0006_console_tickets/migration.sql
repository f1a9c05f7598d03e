-- Console tickets: the browser console's one-time tickets move from the issuing process's
-- memory into the store, so that with several replicas behind a load balancer the proxy
-- that takes the WebSocket can redeem a ticket that another replica's Auth Service issued.
-- Only the sha256 of a ticket is stored. A ticket dies with its web session (cascade).
-- Written by hand in the form `prisma migrate` would generate (see 0001_init);
-- packages/store/test/schema-agreement.test.ts checks it against prisma/schema.prisma.

-- CreateTable
CREATE TABLE "console_tickets" (
    "ticket_hash" TEXT NOT NULL,
    "session_id" UUID NOT NULL,
    "cert" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "console_tickets_pkey" PRIMARY KEY ("ticket_hash")
);

-- CreateIndex
CREATE INDEX "console_tickets_expires_at_idx" ON "console_tickets"("expires_at");

-- CreateIndex
CREATE INDEX "console_tickets_session_id_idx" ON "console_tickets"("session_id");

-- AddForeignKey
ALTER TABLE "console_tickets" ADD CONSTRAINT "console_tickets_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "web_sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
